import email
import email.policy
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

import noyau.pdf
from contrat.demo import creer_comptes
from contrat.models import Contrat

from . import instantane, variables_indefinies
from .navigateur import chromium, navigateur  # noqa: F401  (the browser, one per test process)

MOT_DE_PASSE = "mot-de-passe-de-test"


@pytest.fixture(autouse=True)
def _variables_de_gabarit_definies():
    """Every variable a template of the project prints is defined (tests/variables_indefinies.py)."""
    variables_indefinies.vues.clear()
    yield
    vues = sorted(set(variables_indefinies.vues))
    variables_indefinies.vues.clear()
    if vues:
        pytest.fail("Variable(s) de gabarit non définie(s) : " + " ; ".join(f"{m} : {v}" for m, v in vues))


_bloqueur = []  # pytest-django's database blocker, for the hook below that puts the conventions back
_conventions = []  # their rows, taken once (tests/instantane.py)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Loads the conventions once; each test then runs in a transaction rolled back after it."""
    _bloqueur.append(django_db_blocker)
    with django_db_blocker.unblock():
        avant = instantane.compter()
        call_command("charger_conventions", verbosity=0)
        _conventions.append(instantane.Instantane(avant))


def _remettre_les_conventions():
    if not Contrat.objects.filter(slug="ctg-dijon").exists():
        _conventions[0].remettre()


@pytest.fixture
def conventions(db):
    """The data of the signed conventions, as `make data` loads it."""
    _remettre_les_conventions()  # they are there, unless a test emptied the tables without the hook below
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


@pytest.fixture
def courriels(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "courriels")
    dossier = Path(settings.EMAIL_FILE_PATH)

    def lire():
        """Every mail written so far, oldest first, as "To / Subject / body" text (headers decoded)."""
        if not dossier.exists():
            return []
        textes = []
        for fichier in sorted(dossier.iterdir(), key=lambda f: f.stat().st_mtime_ns):
            for brut in fichier.read_bytes().split(b"-" * 79):
                if brut.strip():
                    message = email.message_from_bytes(brut.strip(), policy=email.policy.default)
                    textes.append(f"To: {message['To']}\nSubject: {message['Subject']}\n\n{message.get_content()}")
        return textes

    return lire


@pytest.fixture
def mises_en_page(monkeypatch):
    """The laid-out documents of the PDFs made during the test, in order."""
    documents = []
    vraie = noyau.pdf.mettre_en_page

    def garder(html):
        documents.append(vraie(html))
        return documents[-1]

    monkeypatch.setattr(noyau.pdf, "mettre_en_page", garder)
    return documents


@pytest.fixture
def pdf_une_fois(monkeypatch):
    """Within the test, a PDF whose HTML is byte for byte one already laid out is not laid out again:
    the roles that get the same document (a matrix of roles) cost one rendering."""
    vraie, faits = noyau.pdf.mettre_en_page, {}

    def une_fois(html):
        if html not in faits:
            faits[html] = vraie(html)
        return faits[html]

    monkeypatch.setattr(noyau.pdf, "mettre_en_page", une_fois)
    return faits


# What a test renders (a page's HTML checked for its references, a PDF laid out) is the same bytes on
# either database: such a check runs once, on SQLite, and the PostgreSQL leg of the CI skips it.
rendu_verifie_sur_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="rendu vérifié une fois, sur SQLite : ses octets ne dépendent pas de la base",
)


LONGS = {"navigateur", "banc", "grande_annexe", "mises_en_page"}
BORNE_DES_LONGS = 600  # seconds: a browser's tour or the large contract; the others have pyproject's `timeout`


def pytest_collection_modifyitems(items):
    """The long tests (a browser's tour, the large contract) first: spread over the processes, they end
    with the others instead of leaving one process working alone at the end of the suite. They are bounded
    too, by a longer time than the others (a test that sets its own bound keeps it)."""
    for item in items:
        if LONGS & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(BORNE_DES_LONGS))
    items.sort(key=lambda item: not LONGS & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """A test that commits (a live server) empties the tables after it: the conventions are put back at
    once, committed, so that every test after it, in whatever order and process, finds them. (Putting
    them back in the next test's own transaction would lose them with its rollback, for every test after.)"""
    yield
    if {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())) and _bloqueur:
        with _bloqueur[0].unblock():
            _remettre_les_conventions()
