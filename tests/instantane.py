"""The rows of the conventions, taken once after `charger_conventions` and put back after a test that
empties the tables (a live server commits, so its test ends with a flush). loaddata resolves each
natural key by a query: 8 s on PostgreSQL, 4 s on SQLite; putting 1 500 rows back costs a fraction of it."""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction


def _modeles():
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def compter():
    return {m: m._base_manager.count() for m in _modeles()}


class Instantane:
    def __init__(self, avant):
        """The rows of every table whose count differs from `avant` (compter() before the load)."""
        self.lignes = {}
        for modele, nombre in compter().items():
            if nombre != avant.get(modele, 0):
                champs = [f.attname for f in modele._meta.concrete_fields]
                self.lignes[modele] = (champs, list(modele._base_manager.values_list(*champs)))

    def remettre(self):
        """The rows put back as they were, ids included. The foreign keys of Django's tables are checked
        at the end of the transaction (on PostgreSQL and SQLite alike): the order of the tables does not
        matter. PostgreSQL's sequences are moved past the ids put back."""
        with transaction.atomic():
            for modele, (champs, lignes) in self.lignes.items():
                modele._base_manager.bulk_create([modele(**dict(zip(champs, ligne))) for ligne in lignes])
            with connection.cursor() as curseur:
                for requete in connection.ops.sequence_reset_sql(no_style(), list(self.lignes)):
                    curseur.execute(requete)
