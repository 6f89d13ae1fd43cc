"""Every page, as every role that may open it, at 1 280 × 800 and 390 × 844, in Debian's Chromium:
the page is never wider than the window (a wide table scrolls inside its own frame), axe-core finds
no violation of the WCAG 2.1 A and AA rules, on a phone the menu button opens the navigation
with « Se déconnecter » in it, and every amount in a table is right-aligned in tabular figures.
The URLs are those of the URL × role matrix: a new page is checked as soon as it is in the matrix."""

import time

import pytest
from django.db import connection
from django.test import Client

from .conftest import MOT_DE_PASSE
from .test_matrice_urls import MATRICE, ROLES, _url
from .test_navigateur import navigateur  # noqa: F401  (the browser fixture)

LARGEURS = {"bureau": {"width": 1280, "height": 800}, "téléphone": {"width": 390, "height": 844}}
# resultTypes: only the violations are detailed (the passes of a 2 000-row table are not listed).
WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


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


def se_connecter(page, base, identifiant, mot_de_passe=MOT_DE_PASSE):
    page.goto(f"{base}/connexion/")
    page.fill("#id_username", identifiant)
    page.fill("#id_password", mot_de_passe)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


# The table cells that hold an amount (« 12 500 € », « -3,50 € ») and are not right-aligned in
# tabular figures on one line (columns of amounts read down, digit under digit; « € » never alone).
MONTANTS_MAL_ALIGNES = """() => [...document.querySelectorAll("td, th")]
    .filter(c => /^-?[0-9][0-9\\s\u00a0\u202f]*(,[0-9]+)?\\s*€$/.test(c.textContent.trim()))
    .filter(c => { const s = getComputedStyle(c);
                   return !["right", "end"].includes(s.textAlign) || !s.fontVariantNumeric.includes("tabular-nums")
                          || s.whiteSpace !== "nowrap"; })
    .map(c => c.textContent.trim())"""


def defauts_de_la_page(page, axe, adresse, qui, connecte=True):
    """What is wrong with the page at both widths: wider than the window, axe-core's violations,
    no way to sign out from the phone's menu; and amounts in tables not right-aligned in tabular figures."""
    defauts = []
    for nom, taille in LARGEURS.items():
        page.set_viewport_size(taille)
        page.goto(adresse)
        largeur = page.evaluate("document.documentElement.scrollWidth")
        if largeur > taille["width"]:
            defauts.append(f"{qui} ({nom}) : {largeur} px de large")
        if nom == "bureau" and (montants := page.evaluate(MONTANTS_MAL_ALIGNES)):
            defauts.append(f"{qui} : montants non alignés à droite en chiffres tabulaires sur une ligne {montants[:3]}")
        for v in axe.run(page, options=WCAG).response["violations"]:
            defauts.append(f"{qui} ({nom}) : axe {v['id']} {[n['target'] for n in v['nodes'][:3]]}")
        if nom == "téléphone" and connecte:
            menu = page.get_by_role("button", name="Menu")
            if not menu.count():
                defauts.append(f"{qui} (téléphone) : pas de bouton « Menu »")
                continue
            menu.click()
            if not page.locator("#modal-menu").get_by_role("button", name="Se déconnecter").is_visible():
                defauts.append(f"{qui} (téléphone) : « Se déconnecter » inaccessible depuis le menu")
    return defauts


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="vérifié une fois, sur SQLite : "
    "les pages sont les mêmes sur PostgreSQL, et ce tour de 3 minutes ne se refait pas",
)
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
            se_connecter(page, base, role)
        for url in urls:
            defauts += defauts_de_la_page(page, axe, f"{base}{url}", f"{role} {url}", connecte=role != "anonyme")
            vues += len(LARGEURS)
        contexte.close()
    assert vues > 100
    assert defauts == [], "\n".join(defauts)
    print(f"{vues} vues en {time.monotonic() - debut:.0f} s")
