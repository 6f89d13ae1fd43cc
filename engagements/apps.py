from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"
    verbose_name = "Engagements des partenaires"

    def ready(self):
        from noyau import versions

        from . import verrous
        from .models import Estimation, Realisation

        # The write service asks this app's rule for the lines and the tree they hang from.
        for modele in verrous.MODELES:
            versions.verrou(modele, verrous.raison, verrous.raison_des_estimations if modele is Estimation else None)
        versions.verrou(Estimation, verrous.hors_periode)
        versions.verrou(Realisation, verrous.annee_non_achevee)
