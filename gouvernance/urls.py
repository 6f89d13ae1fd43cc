from django.urls import path

from . import partages, views

app_name = "gouvernance"

urlpatterns = [
    path("contrats/<slug:slug>/gouvernance/", views.page, name="page"),
    path("contrats/<slug:slug>/gouvernance.pdf", views.gouvernance_pdf, name="pdf"),
    path("contrats/<slug:slug>/seances.ics", views.seances_ics, name="seances_ics"),
    path("contrats/<slug:slug>/seances/ajouter/", views.seance_creer, name="seance_creer"),
    path("contrats/<slug:slug>/decisions.xlsx", views.decisions_xlsx, name="decisions_xlsx"),
    path("contrats/<slug:slug>/instances/ajouter/", views.instance_creer, name="instance_creer"),
    path("instances/<int:pk>/modifier/", views.instance_modifier, name="instance_modifier"),
    path("instances/<int:pk>/supprimer/", views.instance_supprimer, name="instance_supprimer"),
    path("instances/<int:pk>/retablir/", views.instance_retablir, name="instance_retablir"),
    path("contrats/<slug:slug>/gouvernance/colonnes/", views.colonnes, name="colonnes"),
    path("contrats/<slug:slug>/gouvernance/partages/<int:pk>/accepter/", partages.accepter, name="partage_accepter"),
    path("contrats/<slug:slug>/gouvernance/partages/<int:pk>/retirer/", partages.retirer, name="partage_retirer"),
    path("seances/<int:pk>/", views.seance, name="seance"),
    path("seances/<int:pk>/modifier/", views.seance_modifier, name="seance_modifier"),
    path("seances/<int:pk>/fichier/", views.seance_fichier, name="seance_fichier"),
    path("seances/<int:pk>/convocation.pdf", views.seance_pdf, {"document": "convocation"}, name="convocation_pdf"),
    path("seances/<int:pk>/releve-de-decisions.pdf", views.seance_pdf, {"document": "releve"}, name="releve_pdf"),
    path("decisions/<int:pk>/statut/", views.decision_statut, name="decision_statut"),
]
