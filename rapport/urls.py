from django.urls import path

from . import views

app_name = "rapport"

c = "contrats/<slug:slug>/rapport-annuel/<int:annee>/"

urlpatterns = [
    path(c, views.page, name="page"),
    path("contrats/<slug:slug>/rapport-annuel/<int:annee>.pdf", views.pdf, name="pdf"),
    path(c + "avis/<int:pk>/", views.avis_modifier, name="avis_modifier"),
]
