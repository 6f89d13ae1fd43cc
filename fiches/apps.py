from django.apps import AppConfig


class FichesConfig(AppConfig):
    name = "fiches"
