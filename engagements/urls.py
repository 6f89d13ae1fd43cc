from django.urls import path

from .views import annexe, contributions, dispositifs, donnees, exports, listes, synthese, tableau_de_bord

app_name = "engagements"

contribution = "contrats/<slug:slug>/contributions/<slug:partenaire_slug>/<int:annee>/"

urlpatterns = [
    path("contrats/<slug:slug>/annexe-financiere/", annexe.annexe_financiere, name="annexe"),
    path("contrats/<slug:slug>/annexe-financiere.pdf", annexe.annexe_financiere_pdf, name="annexe_pdf"),
    path("contrats/<slug:slug>/annexe-financiere.xlsx", annexe.annexe_financiere_xlsx, name="annexe_xlsx"),
    path("exports/<int:pk>/", exports.suivi, name="export"),
    path("exports/<int:pk>/fichier/", exports.fichier, name="export_fichier"),
    path("contrats/<slug:slug>/tableau-de-bord/", tableau_de_bord.tableau_de_bord, name="tableau_de_bord"),
    path("contrats/<slug:slug>/collectes/ouvrir/", tableau_de_bord.collecte_ouvrir, name="collecte_ouvrir"),
    path("contrats/<slug:slug>/collectes/<int:annee>/", tableau_de_bord.collecte_modifier, name="collecte_modifier"),
    path(
        "contrats/<slug:slug>/collectes/<int:annee>/bilan/",
        tableau_de_bord.collecte_modifier,
        {"nature": "bilan"},
        name="bilan_collecte_modifier",
    ),
    path(
        "contrats/<slug:slug>/collectes/<int:annee>/bilan/relancer/",
        tableau_de_bord.collecte_relancer,
        {"nature": "bilan"},
        name="bilan_collecte_relancer",
    ),
    path(
        "contrats/<slug:slug>/collectes/<int:annee>/relancer/",
        tableau_de_bord.collecte_relancer,
        name="collecte_relancer",
    ),
    path(
        "contrats/<slug:slug>/courriels/<int:pk>/renvoyer/", tableau_de_bord.courriel_renvoyer, name="courriel_renvoyer"
    ),
    path("contrats/<slug:slug>/donnees/engagements.<str:format>", donnees.engagements, name="donnees_engagements"),
    path("donnees/regions/<str:code>/engagements.<str:format>", donnees.region, name="donnees_region"),
    path("schemas/engagements.schema.json", donnees.schema, name="schema_engagements"),
    path("contrats/<slug:slug>/synthese/", synthese.page, name="synthese"),
    path("contrats/<slug:slug>/synthese.pdf", synthese.pdf, name="synthese_pdf"),
    path("contrats/<slug:slug>/synthese.xlsx", synthese.xlsx, name="synthese_xlsx"),
    path("contrats/<slug:slug>/dispositifs/ajouter/", dispositifs.dispositif_creer, name="dispositif_creer"),
    path(contribution, contributions.contribution, name="contribution"),
    path(contribution + "reprendre/", contributions.contribution_reprendre, name="contribution_reprendre"),
    path(
        contribution + "soumettre/",
        contributions.contribution_action,
        {"action": "soumettre"},
        name="contribution_soumettre",
    ),
    path(
        contribution + "valider/", contributions.contribution_action, {"action": "valider"}, name="contribution_valider"
    ),
    path(
        contribution + "renvoyer/",
        contributions.contribution_action,
        {"action": "renvoyer"},
        name="contribution_renvoyer",
    ),
    path(
        contribution + "rouvrir/", contributions.contribution_action, {"action": "rouvrir"}, name="contribution_rouvrir"
    ),
    path(contribution + "bilan/", contributions.bilan_de_l_annee, name="bilan"),
    *(
        path(
            contribution + f"bilan/{action}/",
            contributions.contribution_action,
            {"action": action, "nature": "bilan"},
            name=f"bilan_{action}",
        )
        for action in ("soumettre", "valider", "renvoyer", "rouvrir")
    ),
    path("dispositifs/", listes.dispositifs, name="dispositifs"),
    path("dispositifs/export.<str:format>", listes.dispositifs_export, name="dispositifs_export"),
    path("estimations/", listes.estimations, name="estimations"),
    path("estimations/export.<str:format>", listes.estimations_export, name="estimations_export"),
    path("dispositifs/<int:pk>/", dispositifs.dispositif, name="dispositif"),
    path("dispositifs/<int:pk>/modifier/", dispositifs.dispositif_modifier, name="dispositif_modifier"),
    path("dispositifs/<int:pk>/archiver/", dispositifs.dispositif_archiver, name="dispositif_archiver"),
    path("dispositifs/<int:pk>/estimations/ajouter/", dispositifs.estimation_creer, name="estimation_creer"),
    path("estimations/<int:pk>/modifier/", dispositifs.estimation_modifier, name="estimation_modifier"),
    path("estimations/<int:pk>/supprimer/", dispositifs.estimation_supprimer, name="estimation_supprimer"),
]
