from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"
    verbose_name = "Engagements des partenaires"

    def ready(self):
        from noyau import versions

        from . import verrous
        from .models import Estimation, Realisation

        # The write service asks this app's rule for the lines and the tree they hang from.
        en_nombre = {Estimation: verrous.raison_des_estimations, Realisation: verrous.raison_des_realisations}
        for modele in verrous.MODELES:
            versions.verrou(modele, verrous.raison, en_nombre.get(modele))
        versions.verrou(Estimation, verrous.hors_periode)
        versions.verrou(Realisation, verrous.annee_non_achevee, verrous.annees_non_achevees)
