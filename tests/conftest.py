import pytest
from django.core.management import call_command

from contrat.models import Contrat


@pytest.fixture
def conventions(db):
    """The data of the signed conventions, as `make data` loads it."""
    call_command("charger_conventions", verbosity=0)
    return Contrat.objects.get(slug="grand-dijon")


@pytest.fixture
def lecteur(django_user_model):
    return django_user_model.objects.create_user("lecteur.test", password="mot-de-passe-de-test")


@pytest.fixture
def client_connecte(client, lecteur):
    client.force_login(lecteur)
    return client


def pytest_report_header(config):
    from django.conf import settings

    return f"base de données : {settings.DATABASES['default']['ENGINE']}"
