"""The browser of the tests: Debian's Chromium driven by Playwright, started once per test process
(conftest.py makes `chromium` and `navigateur` fixtures), and what every page is checked for in it."""

import functools
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# A download, told by its address (what a browser's tour does not look at).
TELECHARGEMENT = re.compile(r"\.(pdf|xlsx|csv|json|ics)(\?|$)")
LARGEURS = {"bureau": {"width": 1280, "height": 800}, "téléphone": {"width": 390, "height": 844}}
# resultTypes: only the violations are detailed (the passes of a 2 000-row table are not listed).
WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@functools.cache
def _script_axe():
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def violations_axe(page, options=None):
    """axe-core's violations on the page as it stands (all its rules, or those of `options`). axe-core
    (570 kB) goes into a document once: a page looked at again after a resize does not take it again."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_script_axe())
    options = options or {"resultTypes": ["violations"]}
    return page.evaluate("async options => (await axe.run(document, options)).violations", options)


def _port_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """One Chromium per test process, started once and reached over its debugging port: the browser
    tests connect to it instead of launching their own."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} absent : la CI l'installe et ne saute jamais les tests du navigateur")
        pytest.skip("Chromium absent : apt-get install chromium")
    port = _port_libre()
    processus = subprocess.Popen(
        [
            CHROMIUM,
            "--headless=new",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            # What Playwright gives the Chromium it launches headless: no scrollbars taking width, no
            # throttling of pages in the background, the pointer of a desktop.
            "--hide-scrollbars",
            "--mute-audio",
            "--disable-dev-shm-usage",
            "--disable-background-timer-throttling",
            "--disable-backgrounding-occluded-windows",
            "--disable-renderer-backgrounding",
            "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    adresse = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{adresse}/json/version", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("Chromium n'a pas ouvert son port de débogage en 20 s")
        yield adresse
    finally:
        processus.terminate()
        processus.wait(timeout=10)


@pytest.fixture
def navigateur(chromium, monkeypatch):
    """The process's Chromium, for this test: what it opens is closed after it."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    with sync_playwright() as p:
        connecte = p.chromium.connect_over_cdp(chromium)
        yield connecte
        connecte.close()  # closes the contexts this test made, and leaves the browser running


def se_connecter(page, base, identifiant, mot_de_passe=None):
    """Signs in through the login page, as a person does, and waits for the home page."""
    from .conftest import MOT_DE_PASSE

    page.goto(f"{base}/connexion/")
    page.get_by_label("Nom d’utilisateur").fill(identifiant)
    page.get_by_label("Mot de passe").fill(mot_de_passe or MOT_DE_PASSE)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


# The table cells that hold an amount (« 12 500 € », « -3,50 € ») and are not right-aligned in
# tabular figures on one line (columns of amounts read down, digit under digit; « € » never alone).
MONTANTS_MAL_ALIGNES = """() => [...document.querySelectorAll("td, th")]
    .filter(c => /^-?[0-9][0-9\\s\u00a0\u202f]*(,[0-9]+)?\\s*€$/.test(c.textContent.trim()))
    .filter(c => { const s = getComputedStyle(c);
                   return !["right", "end"].includes(s.textAlign) || !s.fontVariantNumeric.includes("tabular-nums")
                          || s.whiteSpace !== "nowrap"; })
    .map(c => c.textContent.trim())"""


def defauts_de_la_page(page, adresse, qui, connecte=True):
    """What is wrong with the page at both widths: wider than the window, axe-core's violations,
    no way to sign out from the phone's menu; and amounts in tables not right-aligned in tabular figures.
    The page is loaded once, at the desktop's width, then laid out again at the phone's, as when a
    window is narrowed (the CSS and the DSFR's scripts answer the new width; nothing is fetched again)."""
    defauts = []
    page.set_viewport_size(LARGEURS["bureau"])
    reponse = page.goto(adresse)
    if reponse is None or reponse.status != 200 or "text/html" not in reponse.headers.get("content-type", ""):
        return [f"{qui} : pas une page ({reponse.status if reponse else 'aucune réponse'})"]
    for nom, taille in LARGEURS.items():
        page.set_viewport_size(taille)
        largeur = page.evaluate("document.documentElement.scrollWidth")
        if largeur > taille["width"]:
            defauts.append(f"{qui} ({nom}) : {largeur} px de large")
        if nom == "bureau" and (montants := page.evaluate(MONTANTS_MAL_ALIGNES)):
            defauts.append(f"{qui} : montants non alignés à droite en chiffres tabulaires sur une ligne {montants[:3]}")
        for v in violations_axe(page, WCAG):
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
