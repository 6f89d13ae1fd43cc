from django.apps import AppConfig


class GouvernanceConfig(AppConfig):
    name = "gouvernance"
