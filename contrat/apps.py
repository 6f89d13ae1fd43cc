from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_lower_unicode(sender, connection, **kwargs):
    # SQLite's LOWER folds ASCII only; PostgreSQL's folds every letter. Searching
    # "PARENTALITÉ" must find "parentalité" on both.
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True
        )


class ContratConfig(AppConfig):
    name = "contrat"
    verbose_name = "Contrats et partenaires"

    def ready(self):
        connection_created.connect(_sqlite_lower_unicode)
