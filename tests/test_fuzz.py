"""Random query strings on every URL of the URL × role matrix, random values in every field of
every form, as every role: never a 500, and when the answer is an error, nothing written."""

import re

import pytest
from django.db.models import Sum
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrat.models import Contrat, Objectif
from engagements.models import AnnexeFinanciere, Contribution, Dispositif, Estimation, Export
from fiches.models import Engagement, Fiche, Indicateur, Mesure
from gouvernance.models import Decision, Instance, Seance
from importation.models import ImportAnnexe
from noyau.models import Historique
from tests.test_matrice_urls import MATRICE, ROLES, _url

PARAMETRES = [
    "annee",
    "partenaire",
    "au",
    "per_page",
    "page",
    "contrat",
    "pilier",
    "orientation",
    "objectif",
    "quartier",
    "q",
    "statut",
    "sort",
    "forme",
    "enjeu",
    "axe",
    "texte",
    "format",
    "x",
]
VALEURS = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "99999",
            "32768",
            "10" * 20,
            "1e999999999",
            "NaN",
            "-Infinity",
            "9999-12-31",
            "0001-01-01",
            "2015",
            "caf-21",
            "grand-dijon",
            "a_faire",
            "<script>",
            "' OR 1=1 --",
            "a\x00b",
            "%00",
            "../../etc/passwd",
            '=HYPERLINK("x")',
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=40),
    st.integers(min_value=2_000, max_value=6_000).map(lambda n: ("9a " * n)[:n]),  # long, cheaply drawn
)
# Tables whose content a refused request must leave as it was (counts, versions, amounts).
MODELES = [
    Contrat,
    Objectif,
    Dispositif,
    Estimation,
    AnnexeFinanciere,
    Contribution,
    Export,
    Fiche,
    Engagement,
    Indicateur,
    Mesure,
    Instance,
    Seance,
    Decision,
    ImportAnnexe,
    Historique,
]
REGLAGES = settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Files (PDF, workbooks, calendars): a few seconds each, and they hold no form: fewer draws.
FICHIERS = re.compile(r"(pdf|xlsx|export|ics|fichier|recueil)")


def reglages(nom):
    return settings(REGLAGES, max_examples=1) if FICHIERS.search(nom) else REGLAGES


def etat():
    lignes = {m.__name__: m.objects.count() for m in MODELES}
    # The open data's kept file is a cache the first GET makes (engagements.donnees.garde): not a change of data.
    lignes["Export"] = Export.objects.exclude(nature__startswith="donnees_").count()
    for m in MODELES:
        if any(f.name == "version" for f in m._meta.fields):
            lignes[f"{m.__name__}.version"] = m.objects.aggregate(s=Sum("version"))["s"]
    lignes["montants"] = Estimation.objects.aggregate(s=Sum("montant_annuel"))["s"]
    return lignes


@pytest.fixture
def clients(comptes):
    """One client per role, errors answered as in production (no exception raised into the test)."""
    resultat = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonyme":
            client.force_login(comptes[role])
        resultat[role] = client
    return resultat


@pytest.mark.parametrize("nom", sorted(MATRICE))
def test_random_query_strings_never_give_a_500(conventions, clients, nom, pdf_une_fois):
    url = _url(nom, MATRICE[nom][0])
    avant = etat()

    @reglages(nom)
    @given(role=st.sampled_from(ROLES), parametres=st.dictionaries(st.sampled_from(PARAMETRES), VALEURS, max_size=4))
    def essai(role, parametres):
        reponse = clients[role].get(url, parametres)
        assert reponse.status_code < 500, (role, parametres, reponse.status_code)
        assert etat() == avant, (role, parametres)

    essai()


def _champs(html):
    """The names of the fields of the page's POST forms (what a person, or a robot, can fill)."""
    formulaires = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', html, re.S | re.I)
    noms = set()
    for contenu in formulaires:
        noms.update(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', contenu))
    return sorted(noms - {"csrfmiddlewaretoken"})


# The POST-only addresses (405 on GET) get the fields such forms carry.
CHAMPS_SANS_PAGE = ["version", "statut", "commentaire", "empreinte", "jeton", "annee", "valeur"]


@pytest.mark.parametrize("nom", sorted(MATRICE))
def test_random_values_in_every_form_never_give_a_500_nor_a_half_write(conventions, clients, nom):
    if nom in ("logout", "login", "password_reset", "password_reset_confirm", "password_change"):
        pytest.skip("formulaires de Django (comptes), hors des données du domaine")
    if FICHIERS.search(nom) and 405 not in MATRICE[nom][1]:
        pytest.skip("un fichier à télécharger : aucun formulaire")
    url = _url(nom, MATRICE[nom][0])
    champs_par_role = {}
    attendus = dict(zip(ROLES, MATRICE[nom][1]))
    for role in ROLES:
        if attendus[role] not in (200, 405):  # refused before any form is read (other tests show it)
            continue
        page = clients[role].get(url)
        if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
            champs_par_role[role] = _champs(page.content.decode()) or None
        elif page.status_code == 405:
            champs_par_role[role] = CHAMPS_SANS_PAGE
    champs_par_role = {r: c for r, c in champs_par_role.items() if c}
    if not champs_par_role:
        pytest.skip("aucun formulaire à cette adresse")
    # The roles refused this page post the same fields: they must be refused, with nothing written.
    tous_les_champs = sorted({c for champs in champs_par_role.values() for c in champs})
    champs_par_role.update({r: tous_les_champs for r in ROLES if r not in champs_par_role})

    @REGLAGES
    @given(donnees=st.data())
    def essai(donnees):
        role = donnees.draw(st.sampled_from(sorted(champs_par_role)))
        champs = champs_par_role[role]
        valeurs = donnees.draw(st.fixed_dictionaries({c: VALEURS for c in champs}))
        avant = etat()
        reponse = clients[role].post(url, valeurs)
        assert reponse.status_code < 500, (role, valeurs, reponse.status_code)
        if reponse.status_code != 302:  # refused, or the form shown again with its errors
            assert etat() == avant, (role, reponse.status_code, valeurs)

    essai()
