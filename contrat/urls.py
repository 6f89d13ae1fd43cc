from django.urls import path

from . import gestion, membres, views

app_name = "contrat"

c = "contrats/<slug:slug>/"
noeud = c + "arbre/<str:nature>/<int:pk>/"

urlpatterns = [
    path("contrats/", views.liste, name="liste"),
    # Before the contract's own page: "ajouter" is never a contract's slug (gestion.RESERVES).
    path("contrats/ajouter/", gestion.contrat_creer, name="creer"),
    path(c, views.detail, name="detail"),
    path(c + "modifier/", gestion.contrat_modifier, name="modifier"),
    path(c + "perimetre/", gestion.perimetre, name="perimetre"),
    path(c + "perimetre/communes/ajouter/", gestion.commune_ajouter, name="commune_ajouter"),
    path(c + "perimetre/quartiers/ajouter/", gestion.quartier_ajouter, name="quartier_ajouter"),
    path(c + "perimetre/quartiers/<int:pk>/retirer/", gestion.quartier_retirer, name="quartier_retirer"),
    path(c + "perimetre/qpv/successeur/", gestion.quartier_successeur, name="quartier_successeur"),
    path(c + "perimetre/qpv/ajouter/", gestion.qpv_ajouter, name="qpv_ajouter"),
    path(c + "partenaires/", gestion.partenaires, name="partenaires"),
    path(c + "partenaires/<int:pk>/ajouter/", gestion.partenaire_ajouter, name="partenaire_ajouter"),
    path(c + "documents/", gestion.documents, name="documents"),
    path(c + "signataires/ajouter/", gestion.signataire_ajouter, name="signataire_ajouter"),
    path(c + "arbre/", gestion.arbre, name="arbre"),
    path(c + "arbre/<str:nature>/ajouter/", gestion.noeud_ajouter, name="noeud_ajouter"),
    path(noeud + "modifier/", gestion.noeud_modifier, name="noeud_modifier"),
    path(noeud + "archiver/", gestion.noeud_archiver, name="noeud_archiver"),
    path(noeud + "<str:sens>/", gestion.noeud_deplacer, name="noeud_deplacer"),
    path(c + "membres/", membres.membres, name="membres"),
    path(c + "membres/<int:pk>/revoquer/", membres.membre_revoquer, name="membre_revoquer"),
    path(c + "membres/accueillir/<int:pk>/", membres.accueillir, name="accueillir"),
    path(c + "invitations/<int:pk>/renvoyer/", membres.invitation_renvoyer, name="invitation_renvoyer"),
    path(c + "invitations/<int:pk>/revoquer/", membres.invitation_revoquer, name="invitation_revoquer"),
    path("invitations/<int:pk>/repondre/", membres.invitation_repondre, name="invitation_repondre"),
    path("invitations/<str:jeton>/", membres.invitation, name="invitation"),
    path("invitations/<str:jeton>/nouveau-lien/", membres.invitation_nouveau_lien, name="invitation_nouveau_lien"),
]
