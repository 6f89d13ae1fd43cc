from django.urls import path

from . import views

app_name = "gouvernance"

urlpatterns = [
    path("contrats/<slug:slug>/gouvernance/", views.page, name="page"),
    path("contrats/<slug:slug>/seances.ics", views.seances_ics, name="seances_ics"),
]
