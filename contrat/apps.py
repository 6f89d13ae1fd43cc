from django.apps import AppConfig


class ContratConfig(AppConfig):
    name = "contrat"
    verbose_name = "Contrats et partenaires"
