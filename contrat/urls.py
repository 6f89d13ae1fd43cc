from django.urls import path

from .views import arbre, contrats, documents, membres, partenaires, perimetre

app_name = "contrat"

c = "contrats/<slug:slug>/"
noeud = c + "arbre/<str:nature>/<int:pk>/"

urlpatterns = [
    path("contrats/", contrats.liste, name="liste"),
    # Before the contract's own page: "ajouter" is never a contract's slug (views/communs.py, RESERVES).
    path("contrats/ajouter/", contrats.contrat_creer, name="creer"),
    path(c, contrats.detail, name="detail"),
    path(c + "modifier/", contrats.contrat_modifier, name="modifier"),
    path(c + "perimetre/", perimetre.perimetre, name="perimetre"),
    path(c + "perimetre/communes/ajouter/", perimetre.commune_ajouter, name="commune_ajouter"),
    path(c + "perimetre/quartiers/ajouter/", perimetre.quartier_ajouter, name="quartier_ajouter"),
    path(c + "perimetre/communes/<int:pk>/retirer/", perimetre.commune_retirer, name="commune_retirer"),
    path(c + "perimetre/quartiers/<int:pk>/retirer/", perimetre.quartier_retirer, name="quartier_retirer"),
    path(c + "perimetre/qpv/successeur/", perimetre.quartier_successeur, name="quartier_successeur"),
    path(c + "perimetre/qpv/ajouter/", perimetre.qpv_ajouter, name="qpv_ajouter"),
    path(c + "partenaires/", partenaires.partenaires, name="partenaires"),
    path(c + "partenaires/<int:pk>/ajouter/", partenaires.partenaire_ajouter, name="partenaire_ajouter"),
    path(c + "documents/", documents.documents, name="documents"),
    path(c + "signataires/ajouter/", documents.signataire_ajouter, name="signataire_ajouter"),
    path(c + "arbre/", arbre.arbre, name="arbre"),
    path(c + "arbre/<str:nature>/ajouter/", arbre.noeud_ajouter, name="noeud_ajouter"),
    path(noeud + "modifier/", arbre.noeud_modifier, name="noeud_modifier"),
    path(noeud + "archiver/", arbre.noeud_archiver, name="noeud_archiver"),
    path(noeud + "<str:sens>/", arbre.noeud_deplacer, name="noeud_deplacer"),
    path(c + "membres/", membres.membres, name="membres"),
    path(c + "membres/<int:pk>/revoquer/", membres.membre_revoquer, name="membre_revoquer"),
    path(c + "invitations/<int:pk>/renvoyer/", membres.invitation_renvoyer, name="invitation_renvoyer"),
    path(c + "invitations/<int:pk>/revoquer/", membres.invitation_revoquer, name="invitation_revoquer"),
    path("invitations/<int:pk>/repondre/", membres.invitation_repondre, name="invitation_repondre"),
    path("invitations/<str:jeton>/", membres.invitation, name="invitation"),
    path("invitations/<str:jeton>/nouveau-lien/", membres.invitation_nouveau_lien, name="invitation_nouveau_lien"),
]
