from django.urls import path

from . import views

app_name = "contrat"

urlpatterns = [
    path("contrats/", views.liste, name="liste"),
    path("contrats/<slug:slug>/", views.detail, name="detail"),
]
