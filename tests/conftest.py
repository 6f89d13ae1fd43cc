import pytest
from django.core.management import call_command

from contrat.demo import creer_comptes
from contrat.models import Contrat

MOT_DE_PASSE = "mot-de-passe-de-test"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Loads the conventions once; each test then runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        call_command("charger_conventions", verbosity=0)


@pytest.fixture
def conventions(db):
    """The data of the signed conventions, as `make data` loads it."""
    # A transactional test empties the tables after it: load them again then.
    if not Contrat.objects.filter(slug="ctg-dijon").exists():
        call_command("charger_conventions", verbosity=0)
    return Contrat.objects.get(slug="grand-dijon")


@pytest.fixture
def comptes(conventions):
    """agent.caf, agent.pole-emploi, chef.projet (grand-dijon), lecteur, admin."""
    return creer_comptes(MOT_DE_PASSE)


@pytest.fixture
def lecteur(comptes):
    return comptes["lecteur"]


@pytest.fixture
def client_connecte(client, lecteur):
    client.force_login(lecteur)
    return client


@pytest.fixture
def connecter(client, comptes):
    """connecter("agent.caf") -> the test client signed in as that account."""

    def _connecter(identifiant):
        client.logout()
        if identifiant is not None:
            client.force_login(comptes[identifiant])
        return client

    return _connecter


def pytest_report_header(config):
    from django.conf import settings

    return f"base de données : {settings.DATABASES['default']['ENGINE']}"
