"""The large contract of `make bench` (2 000 lines, 20 partners, 100 fiches, a strategy tree of
80 objectifs) through the machine checks of the demo: every PDF it makes prints inside the page
with no cell text below its row, and every page of the contract fits the screen at 1 280 and
390 px and passes axe-core."""

import io
import logging
import time

import pdfplumber
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import noyau.pdf
from bench import donnees
from engagements import exports
from engagements.annexe import Annexe
from noyau import decoupage

from .conftest import rendu_verifie_sur_sqlite
from .navigateur import TELECHARGEMENT, defauts_de_la_page, se_connecter
from .test_impression import hors_de_la_page, textes_sous_leur_rang
from .test_matrice_urls import MATRICE, ROLES

MOT_DE_PASSE = "banc-d-essai-mot-de-passe"
ANNEE = 2025


@pytest.fixture
def banc(db):
    return donnees.creer()


_RENDUS = {}


@pytest.fixture
def grande_annexe(banc):
    """The PDF of the bench contract's whole annexe (2 000 lines) and its laid-out document. The contract
    is built from a fixed seed, the same in every test: the PDF is rendered once per test process."""
    if "annexe" not in _RENDUS:
        documents, vraie = [], noyau.pdf.mettre_en_page

        def garder(html):
            documents.append(vraie(html))
            return documents[-1]

        journal = io.StringIO()
        trace = logging.StreamHandler(journal)
        logging.getLogger(decoupage.__name__).addHandler(trace)
        noyau.pdf.mettre_en_page = garder
        try:
            contenu = exports.annexe_pdf(Annexe(banc, ANNEE), timezone.localdate())
        finally:
            noyau.pdf.mettre_en_page = vraie
            logging.getLogger(decoupage.__name__).removeHandler(trace)
        _RENDUS["annexe"] = (contenu, documents[-1], journal.getvalue())
    return _RENDUS["annexe"]


def adresses_du_contrat(contrat):
    """Every page and download of the URL × role matrix that takes a contract, for this contract,
    with the lists filtered on it and one of its dispositifs, fiches and partners."""
    chef = ROLES.index("chef.projet")
    adresses = [
        reverse(nom, kwargs={"slug": contrat.slug})
        for nom, (kwargs, statuts) in sorted(MATRICE.items())
        if kwargs == {"slug": "grand-dijon"} and statuts[chef] == 200
    ]
    dispositif = contrat.dispositifs.order_by("ordre").first()
    fiche = contrat.fiches.order_by("ordre").first()
    return adresses + [
        f"/dispositifs/?contrat={contrat.slug}",
        f"/estimations/?contrat={contrat.slug}&annee={ANNEE}",
        dispositif.get_absolute_url(),
        fiche.get_absolute_url(),
        reverse("fiches:pdf", kwargs={"pk": fiche.pk}),
        reverse("fiches:partenaire", kwargs={"slug": dispositif.partenaire.slug}),
        reverse("engagements:annexe_pdf", kwargs={"slug": contrat.slug})
        + f"?annee={ANNEE}&partenaire={dispositif.partenaire.slug}",
    ]


@rendu_verifie_sur_sqlite
def test_every_pdf_of_the_large_contract_prints_inside_the_page(banc, mises_en_page, grande_annexe, caplog):
    client = Client()
    client.force_login(donnees.User.objects.get(username="banc.chef"))
    pdfs = {}
    for url in adresses_du_contrat(banc):
        reponse = client.get(url)
        if reponse.status_code == 200 and reponse["Content-Type"] == "application/pdf":
            pdfs[url] = (reponse.content, mises_en_page[-1])
    # The whole annexe (2 000 lines) is made by a background task beyond 500 lines: the same function.
    pdfs["annexe de 2 000 lignes"] = grande_annexe[:2]
    assert {"/contrats/banc-d-essai/fiches.pdf", "/contrats/banc-d-essai/synthese.pdf"} <= set(pdfs), list(pdfs)
    assert sum("annexe" in url for url in pdfs) == 2 and len(pdfs) >= 6, list(pdfs)
    assert len(grande_annexe[1].pages) > 50  # the 2 000 lines do make many pages
    # The pages were cut right the first time: one render.
    assert "ne tient pas" not in caplog.text + grande_annexe[2]
    defauts = []
    for url, (contenu, document) in pdfs.items():
        defauts += [f"{url} p. {p} : « {t} » à x={x}, y={y}" for p, t, x, y in hors_de_la_page(contenu)[:5]]
        defauts += [f"{url} p. {p} : « {t} » sous son rang" for p, t in textes_sous_leur_rang(document)[:5]]
    assert defauts == [], "\n".join(defauts)


@rendu_verifie_sur_sqlite
def test_every_page_of_the_annexe_names_its_pilier_orientation_and_objectifs(grande_annexe):
    """Each page is a table of its own: a page that goes on with a pilier, an orientation or a
    group of objectifs names it again, followed by « (suite) », instead of leaving the column empty."""
    contenu = grande_annexe[0]
    mm = 72 / 25.4
    colonnes = {
        "pilier": (10, 10 + 277 * 0.09),
        "orientation": (10 + 277 * 0.09, 10 + 277 * 0.20),
        "objectifs": (10 + 277 * 0.20, 10 + 277 * 0.33),
    }
    with pdfplumber.open(io.BytesIO(contenu)) as pdf:
        pages, suites = pdf.pages, 0
        assert len(pages) > 50
        for numero, page in enumerate(pages[1:], 2):
            mots = [m for m in page.extract_words() if m["bottom"] < page.height - 14 * mm]
            if not any(m["text"] == "PILIER" for m in mots):
                continue  # the partners' summary, after the table
            entete = max(m["bottom"] for m in mots if m["text"] == "PILIER")
            texte = {
                nom: " ".join(m["text"] for m in mots if m["top"] > entete + 4 and debut * mm <= m["x0"] < fin * mm)
                for nom, (debut, fin) in colonnes.items()
            }
            if texte["pilier"].startswith("Sous-total") or texte["pilier"].startswith("Total"):
                continue  # the page opens on a subtotal: no group to go on with
            assert texte["pilier"].startswith("Pilier"), (numero, texte)
            assert texte["orientation"].startswith("Orientation") or " - Orientation" in texte["orientation"], (
                numero,
                texte,
            )
            assert "Objectif" in texte["objectifs"], (numero, texte)
            suites += texte["pilier"].endswith("(suite)")
        # Four piliers: every page but a few opens in the middle of one.
        assert suites >= len(pages) - 8, suites


@rendu_verifie_sur_sqlite
# The large pages are slow to check: cut in three parts that run in parallel.
@pytest.mark.parametrize("part", range(3))
def test_every_page_of_the_large_contract_fits_the_screen_and_passes_axe(live_server, banc, navigateur, part):
    base, defauts, debut = live_server.url, [], time.monotonic()
    # The pages, not the downloads (told by their address: each part need not make every large page first).
    pages = [url for url in adresses_du_contrat(banc) if not TELECHARGEMENT.search(url)]
    assert len(pages) >= 15, pages
    pages = pages[part::3]
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    se_connecter(page, base, "banc.chef", MOT_DE_PASSE)
    for url in pages:
        defauts += defauts_de_la_page(page, f"{base}{url}", f"banc.chef {url}")
    contexte.close()
    assert defauts == [], "\n".join(defauts)
    print(f"{len(pages)} pages en {time.monotonic() - debut:.0f} s")
