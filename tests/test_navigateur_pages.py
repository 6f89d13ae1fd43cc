"""Every page, as every role that may open it, at 1 280 × 800 and 390 × 844, in Debian's Chromium:
the page is never wider than the window (a wide table scrolls inside its own frame), axe-core finds
no violation of the WCAG 2.1 A and AA rules, and on a phone the menu button opens the navigation
with « Se déconnecter » in it. The URLs are those of the URL × role matrix: a new page is checked
as soon as it is in the matrix."""

import time

import pytest
from django.db import connection
from django.test import Client

from .conftest import MOT_DE_PASSE
from .test_matrice_urls import MATRICE, ROLES, _url
from .test_navigateur import navigateur  # noqa: F401  (the browser fixture)

LARGEURS = {"bureau": {"width": 1280, "height": 800}, "téléphone": {"width": 390, "height": 844}}
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def pages_html(comptes):
    """(role, url) of every page (not a download) each role may open."""
    adresses = {nom: _url(nom, kwargs) for nom, (kwargs, _) in MATRICE.items()}
    pages = []
    for i, role in enumerate(ROLES):
        client = Client()
        if role != "anonyme":
            client.force_login(comptes[role])
        for nom, (_, statuts) in sorted(MATRICE.items()):
            if statuts[i] != 200 or nom.startswith("admin:"):
                continue  # Django's admin keeps its own look: it is not a page of the application
            reponse = client.get(adresses[nom])
            if reponse.status_code == 200 and reponse["Content-Type"].startswith("text/html"):
                pages.append((role, adresses[nom]))
    return pages


@pytest.mark.skipif(connection.vendor != "sqlite", reason="vérifié une fois, sur SQLite : "
                    "les pages sont les mêmes sur PostgreSQL, et ce tour de 3 minutes ne se refait pas")
def test_every_page_fits_the_screen_and_passes_axe(live_server, comptes, navigateur):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe, base, defauts, debut = Axe(), live_server.url, [], time.monotonic()
    par_role = {}
    for role, url in pages_html(comptes):
        par_role.setdefault(role, []).append(url)
    vues = 0
    for role, urls in par_role.items():
        contexte = navigateur.new_context(locale="fr-FR")
        page = contexte.new_page()
        if role != "anonyme":
            page.goto(f"{base}/connexion/")
            page.fill("#id_username", role)
            page.fill("#id_password", MOT_DE_PASSE)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
        for url in urls:
            for nom, taille in LARGEURS.items():
                page.set_viewport_size(taille)
                page.goto(f"{base}{url}")
                vues += 1
                largeur = page.evaluate("document.documentElement.scrollWidth")
                if largeur > taille["width"]:
                    defauts.append(f"{role} {url} ({nom}) : {largeur} px de large")
                violations = axe.run(page, options=WCAG).response["violations"]
                for v in violations:
                    defauts.append(f"{role} {url} ({nom}) : axe {v['id']} {[n['target'] for n in v['nodes'][:3]]}")
                if nom == "téléphone" and role != "anonyme":
                    menu = page.get_by_role("button", name="Menu")
                    if not menu.count():
                        defauts.append(f"{role} {url} (téléphone) : pas de bouton « Menu »")
                        continue
                    menu.click()
                    if not page.locator("#modal-menu").get_by_role("button", name="Se déconnecter").is_visible():
                        defauts.append(f"{role} {url} (téléphone) : « Se déconnecter » inaccessible depuis le menu")
        contexte.close()
    assert vues > 100
    assert defauts == [], "\n".join(defauts)
    print(f"{vues} vues en {time.monotonic() - debut:.0f} s")
