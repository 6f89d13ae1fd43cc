from django.urls import path

from . import views

app_name = "fiches"

urlpatterns = [
    path("contrats/<slug:slug>/fiches/", views.liste, name="liste"),
    path("contrats/<slug:slug>/fiches.pdf", views.recueil_pdf, name="recueil_pdf"),
    path("contrats/<slug:slug>/fiches.xlsx", views.fiches_xlsx, name="xlsx"),
    path("contrats/<slug:slug>/indicateurs/", views.indicateurs, name="indicateurs"),
    path("contrats/<slug:slug>/indicateurs.xlsx", views.indicateurs_xlsx, name="indicateurs_xlsx"),
    path("fiches/<int:pk>/", views.detail, name="detail"),
    path("fiches/<int:pk>.pdf", views.fiche_pdf, name="pdf"),
    path("fiches/<int:pk>/modifier/", views.modifier, name="modifier"),
    path("engagements/<int:pk>/modifier/", views.engagement_modifier, name="engagement_modifier"),
    path("indicateurs/<int:pk>/valeurs/", views.mesures, name="mesures"),
    path("partenaires/<slug:slug>/", views.partenaire, name="partenaire"),
]
