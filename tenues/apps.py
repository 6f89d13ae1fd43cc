from django.apps import AppConfig


class TenuesConfig(AppConfig):
    name = "tenues"
    verbose_name = "Engagements non financiers"

    def ready(self):
        from noyau import versions

        from . import verrous
        from .models import Tenue

        versions.verrou(Tenue, verrous.validee)
        versions.verrou(Tenue, verrous.annee_non_achevee)
