"""Every page, as every role that may open it, at 1 280 × 800 and 390 × 844, in Debian's Chromium:
the page is never wider than the window (a wide table scrolls inside its own frame), axe-core finds
no violation of the WCAG 2.1 A and AA rules, on a phone the menu button opens the navigation
with « Se déconnecter » in it, and every amount in a table is right-aligned in tabular figures.
The URLs are those of the URL × role matrix: a new page is checked as soon as it is in the matrix.

The tour is cut into groups of URLs that run in parallel. A page whose content (its <main>) is the
same, byte for byte, for several roles is looked at once, with the first of them; the header and the
menu of each role are looked at on its home page."""

import hashlib
import re
import time

import pytest
from django.test import Client

from .conftest import rendu_verifie_sur_sqlite
from .navigateur import LARGEURS, TELECHARGEMENT, defauts_de_la_page, se_connecter
from .test_matrice_urls import MATRICE, ROLES, _url

GROUPES = 6
# Django's admin keeps its own look: it is not a page of the application.
NOMS = sorted(nom for nom in MATRICE if not nom.startswith("admin:"))


def _contenu(reponse, user):
    """The page's <main>, without what changes at each request (tokens, nonces) or names its reader."""
    texte = reponse.content.decode()
    principal = re.search(r"<main\b.*?</main>", texte, re.S)
    texte = principal.group(0) if principal else texte
    texte = re.sub(r'(name="(?:csrfmiddlewaretoken|jeton)" value=")[^"]*', r"\1", texte)
    texte = re.sub(r'nonce="[^"]*"', "", texte)
    if user is not None:
        for nom in {user.username, user.email, user.get_full_name()} - {""}:
            texte = texte.replace(nom, "LECTEUR")
    return hashlib.sha256(texte.encode()).hexdigest()


def pages_a_voir(comptes, noms):
    """(role, url) of the pages of `noms` to look at: every page (not a download) each role may open,
    a content seen by an earlier role left out, each role's home page kept."""
    adresses = {nom: _url(nom, MATRICE[nom][0]) for nom in noms}
    pages, vus = [], set()
    for i, role in enumerate(ROLES):
        user = comptes.get(role)
        client = Client()
        if user is not None:
            client.force_login(user)
        for nom in noms:
            if MATRICE[nom][1][i] != 200 or TELECHARGEMENT.search(adresses[nom]):
                continue  # a PDF or a workbook is not made only to be left
            reponse = client.get(adresses[nom])
            if reponse.status_code != 200 or not reponse["Content-Type"].startswith("text/html"):
                continue
            empreinte = (nom, _contenu(reponse, user))
            if empreinte not in vus or nom in ("accueil", "login"):
                vus.add(empreinte)
                pages.append((role, adresses[nom]))
    return pages


def test_the_groups_cover_every_page_of_the_matrix():
    groupes = [NOMS[g::GROUPES] for g in range(GROUPES)]
    assert sorted(n for groupe in groupes for n in groupe) == NOMS


@rendu_verifie_sur_sqlite
@pytest.mark.parametrize("groupe", range(GROUPES))
def test_every_page_fits_the_screen_and_passes_axe(live_server, comptes, navigateur, groupe):
    base, defauts, debut = live_server.url, [], time.monotonic()
    par_role = {}
    for role, url in pages_a_voir(comptes, NOMS[groupe::GROUPES]):
        par_role.setdefault(role, []).append(url)
    vues = 0
    for role, urls in par_role.items():
        contexte = navigateur.new_context(locale="fr-FR")
        page = contexte.new_page()
        if role != "anonyme":
            se_connecter(page, base, role)
        for url in urls:
            defauts += defauts_de_la_page(page, f"{base}{url}", f"{role} {url}", connecte=role != "anonyme")
            vues += len(LARGEURS)
        contexte.close()
    # Every address of the group that some role opens as a page (not a file) was looked at, at both widths.
    pages = [
        nom
        for nom in NOMS[groupe::GROUPES]
        if 200 in MATRICE[nom][1] and not TELECHARGEMENT.search(_url(nom, MATRICE[nom][0])) and nom != "sante"
    ]
    assert vues >= len(LARGEURS) * len(pages), (vues, pages)
    assert defauts == [], "\n".join(defauts)
    print(f"{vues} vues en {time.monotonic() - debut:.0f} s")
