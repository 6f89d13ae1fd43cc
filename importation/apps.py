from django.apps import AppConfig


class ImportationConfig(AppConfig):
    name = "importation"
    verbose_name = "Import des annexes financières"
