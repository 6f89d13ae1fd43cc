"""The suite builds its databases from the models (pytest --nomigrations: 5 to 10 s saved per test
process); the migrations are tried here instead: they describe the models, and applied to an empty
database of the leg's engine (SQLite, PostgreSQL) they make the tables and columns the models read."""

import json
import os
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection

LISTER = """
import json
from django.db import connection
with connection.cursor() as curseur:
    tables = connection.introspection.table_names(curseur)
    print(json.dumps({t: sorted(c.name for c in connection.introspection.get_table_description(curseur, t))
                      for t in tables}))
"""


def test_the_migrations_describe_the_models(db):
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)  # exits 1 on a missing migration


@pytest.fixture
def base_vide(tmp_path):
    """The address of an empty database of the leg's engine, dropped after the test."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'vide.sqlite3'}"
        return
    nom = f"migrations_{os.getpid()}"
    subprocess.run(["createdb", nom], check=True)
    try:
        yield f"postgresql:///{nom}"
    finally:
        subprocess.run(["dropdb", "--if-exists", nom], check=True)


def test_the_migrations_applied_to_an_empty_database_make_the_tables_of_the_models(base_vide):
    env = {**os.environ, "DATABASE_URL": base_vide, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True, cwd=settings.BASE_DIR)
    sortie = subprocess.run(
        [*manage, "shell", "-v0", "-c", LISTER], env=env, check=True, capture_output=True, text=True
    ).stdout
    tables = json.loads(sortie)
    attendues = {
        m._meta.db_table: sorted(f.column for f in m._meta.local_concrete_fields)
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }
    assert {t: tables.get(t) for t in attendues} == attendues
