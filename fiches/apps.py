from django.apps import AppConfig


class FichesConfig(AppConfig):
    name = "fiches"
    verbose_name = "Fiches"

    def ready(self):
        from engagements.services import CHAMPS_MODIFIABLES

        from .models import Engagement, Fiche, Mesure

        # Fiches go through the same compare-and-set writes as dispositifs.
        CHAMPS_MODIFIABLES.update({
            Fiche: ["numero", "intitule", "pilier_id", "orientation_id", "constats", "echelle", "objectif_general",
                    "objectifs_operationnels", "description", "public", "annee_debut", "annee_fin", "calendrier",
                    "resultats", "statut"],
            Engagement: ["texte", "montant"],
            Mesure: ["valeur", "commentaire"],
        })
