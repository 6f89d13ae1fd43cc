from django.urls import path

from . import views

app_name = "tenues"

c = "contrats/<slug:slug>/engagements-non-financiers/"

urlpatterns = [
    path(c, views.accueil, name="accueil"),
    path(c + "<int:annee>/", views.suivi_de_l_annee, name="annee"),
    path(c + "<int:annee>/valider/", views.valider_tout, name="valider_tout"),
    path(c + "<int:annee>/<int:pk>/<str:action>/", views.transition, name="transition"),
]
