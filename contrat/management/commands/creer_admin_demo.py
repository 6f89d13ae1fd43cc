import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Crée (ou remet à jour) l'administrateur de démonstration et affiche son mot de passe."

    def add_arguments(self, parser):
        parser.add_argument("--identifiant", default="admin")

    def handle(self, *args, **options):
        from django.conf import settings

        if not settings.DEBUG:
            raise CommandError("Le compte de démonstration n'est créé qu'avec DEBUG=1, jamais en production.")
        mot_de_passe = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=options["identifiant"])
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(mot_de_passe)
        user.save()
        self.stdout.write(
            f"Administrateur de démonstration : identifiant « {user.username} », mot de passe « {mot_de_passe} »"
        )
