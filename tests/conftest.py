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


@pytest.fixture
def contrat_b(comptes):
    """A second contract, « testville-adverse », and its people — what every wall between contracts is
    tried with: its chef de projet, an agent of its own organisation, a lecteur, and an agent of the CAF
    (partner of both contracts) invited to B only. Returns them by role, the contract as `contrat`."""
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    from contrat.models import Membre, Partenaire

    porteur = Partenaire.objects.create(nom="Testville Agglomération", sigle="TA", slug="testville-agglo")
    caf = Partenaire.objects.get(slug="caf-21")
    contrat = Contrat.objects.create(
        nom="Contrat de ville de Testville",
        slug="testville-adverse",
        territoire="Testville",
        porteur=porteur,
        annee_debut=2024,
        annee_fin=2030,
    )
    contrat.partenaires.set([porteur, caf])
    personnes = {}
    for role, partenaire, membre in [
        ("chef", porteur, "chef_de_projet"),
        ("agent", porteur, "agent"),
        ("lecteur", porteur, "lecteur"),
        ("agent_commun", caf, "agent"),
    ]:
        user = get_user_model().objects.create_user(f"{role}.b", f"{role}.b@example.org", MOT_DE_PASSE)
        Membre.objects.create(user=user, partenaire=partenaire, role=membre, contrat=contrat)
        personnes[role] = user
    return SimpleNamespace(contrat=contrat, porteur=porteur, **personnes)
