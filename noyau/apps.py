from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _limite_sqlite(sender, connection, **kwargs):
    """Django 5.2 assumes SQLite takes 999 parameters a query and splits bulk writes by it; the
    SQLite in use says how many it takes (250 000 on Debian 12), as Django 6 reads it too. A grid
    of a few hundred rows is then saved in a fixed number of queries on SQLite as on PostgreSQL."""
    if connection.vendor == "sqlite":
        import sqlite3

        limite = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        connection.features.max_query_params = max(999, limite)


class NoyauConfig(AppConfig):
    name = "noyau"
    verbose_name = "Historique des modifications"

    def ready(self):
        connection_created.connect(_limite_sqlite)
