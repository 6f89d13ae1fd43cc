import os
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contrat.demo import COMPTES, HABILITATIONS, creer_comptes


class Command(BaseCommand):
    help = "Crée les comptes de démonstration (DEBUG=1 seulement) et affiche leur mot de passe."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Les comptes de démonstration ne se créent qu'avec DEBUG=1, jamais en production.")
        mot_de_passe = os.environ.get("DEMO_PASSWORD") or ""
        origine = "pris dans DEMO_PASSWORD"
        if not mot_de_passe:
            mot_de_passe, origine = secrets.token_urlsafe(12), "tiré au hasard"
        creer_comptes(mot_de_passe)
        noms = [c[0] for c in COMPTES] + [h[0] for h in HABILITATIONS]
        self.stdout.write("Comptes de démonstration : admin, " + ", ".join(noms))
        self.stdout.write(f"Mot de passe commun ({origine}) : {mot_de_passe}")
