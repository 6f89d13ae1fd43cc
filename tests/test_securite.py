"""Safe to put on the internet: the deployment checklist, the HTTP headers of the production
settings, login throttling, password rules, uploads, and hostile text typed into every
free-text field made inert on every page, in every PDF and in every workbook."""

import csv
import html
import io
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models.functions import Concat
from pypdf import PdfReader

from .conftest import MOT_DE_PASSE
from .test_matrice_urls import MATRICE, ROLES, _url

RACINE = Path(__file__).resolve().parent.parent

# What an attacker types; the longest that fits the field is used.
SCRIPT = "<script>alert('xss')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
LIEN = '=HYPERLINK("http://pirate.invalid/","cliquez")'
HOSTILES = [LIEN + SCRIPT + IMAGE, LIEN, IMAGE, SCRIPT, "<script>"]

# Text fields that are not free text: a fingerprint, the parsed months of a rhythm, official codes.
PAS_DU_TEXTE_LIBRE = {
    ("engagements", "ImportAnnexe", "empreinte"),
    ("gouvernance", "Instance", "mois"),
    ("contrat", "Partenaire", "siren"),
    ("contrat", "Invitation", "jeton"),
    ("contrat", "Commune", "code_insee"),
    ("contrat", "Commune", "departement"),
    ("contrat", "Commune", "region"),
    ("contrat", "Habilitation", "code"),
    ("contrat", "Habilitation", "jeton"),
    ("contrat", "QuartierPrioritaire", "code"),
}


def _production(code, **env):
    """Runs `code` under the production settings (DEBUG off, a real key), in a fresh process."""
    environnement = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECURE_HTTPS", "STATIC_SANS_MANIFESTE", "DJANGO_SETTINGS_MODULE"}
    }
    environnement.update(
        DEBUG="0",
        SECRET_KEY="une-cle-de-production-tres-longue-et-aleatoire-0123456789-abcdef",
        ALLOWED_HOSTS="contrats.example.fr",
        DJANGO_SETTINGS_MODULE="config.settings",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=RACINE, env=environnement, capture_output=True, text=True, timeout=120
    )


def test_the_deployment_checklist_passes_with_warnings_as_failures():
    resultat = _production(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "no issues" in resultat.stdout


def test_production_headers_cookies_and_https(tmp_path):
    code = """
import json, django
django.setup()
from django.test import Client
c = Client(HTTP_HOST="contrats.example.fr")
http = c.get("/connexion/")
https = c.get("/connexion/", secure=True)
sante = c.get("/sante/")
print(json.dumps({
    "http": [http.status_code, http.get("Location")],
    "hsts": https.get("Strict-Transport-Security"),
    "csp": https.get("Content-Security-Policy"),
    "cookie": https.cookies["csrftoken"].output(),
    "frame": https.get("X-Frame-Options"), "nosniff": https.get("X-Content-Type-Options"),
    "sante": sante.status_code,
}))
"""
    # Static files from the apps here: the collected manifest is make serve's business.
    resultat = _production(code, DATABASE_URL=f"sqlite:///{tmp_path / 'vide.sqlite3'}", STATIC_SANS_MANIFESTE="1")
    assert resultat.returncode == 0, resultat.stderr
    vu = json.loads(resultat.stdout.strip().splitlines()[-1])
    assert vu["http"] == [301, "https://contrats.example.fr/connexion/"]
    assert vu["hsts"] == "max-age=31536000; includeSubDomains; preload"
    csp = dict(d.strip().split(" ", 1) for d in vu["csp"].split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in vu["csp"] and "unsafe-eval" not in vu["csp"]
    assert "Secure" in vu["cookie"] and "HttpOnly" in vu["cookie"]
    assert vu["frame"] == "DENY" and vu["nosniff"] == "nosniff"
    # The load balancer's health check is answered over plain HTTP, not redirected.
    assert vu["sante"] in (200, 503)


def test_logins_are_throttled_per_username_and_address(client, comptes):
    for _ in range(4):
        refus = client.post("/connexion/", {"username": "agent.caf", "password": "pas-le-bon"})
        assert refus.status_code == 200
        assert "Saisissez un nom d’utilisateur et un mot de passe valides" in refus.content.decode()
    cinquieme = client.post("/connexion/", {"username": "agent.caf", "password": "pas-le-bon"})
    assert cinquieme.status_code == 429
    # Then even the right password is refused, in French.
    bloque = client.post("/connexion/", {"username": "agent.caf", "password": MOT_DE_PASSE})
    assert bloque.status_code == 429
    assert "Connexion suspendue" in bloque.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address still signs in.
    autre = client.post("/connexion/", {"username": "lecteur", "password": MOT_DE_PASSE})
    assert autre.status_code == 302 and client.session["_auth_user_id"] == str(comptes["lecteur"].pk)


def test_a_lockout_holds_for_every_spelling_of_the_account(client, comptes):
    """Failures typed under five spellings count on one account: none of them, nor the username, then signs in."""
    orthographes = [
        "agent.pole-emploi@example.org",
        "Agent.pole-emploi@example.org",
        "AGENT.POLE-EMPLOI@EXAMPLE.ORG",
        " agent.pole-emploi@Example.org ",
        "agent.pole-emploi",
    ]
    for orthographe in orthographes[:4]:
        assert client.post("/connexion/", {"username": orthographe, "password": "pas-le-bon"}).status_code == 200
    assert client.post("/connexion/", {"username": orthographes[4], "password": "pas-le-bon"}).status_code == 429
    for orthographe in [*orthographes, "Agent.Pole-Emploi@example.ORG"]:
        bloque = client.post("/connexion/", {"username": orthographe, "password": MOT_DE_PASSE})
        assert bloque.status_code == 429 and "Connexion suspendue" in bloque.content.decode(), orthographe
        assert "_auth_user_id" not in client.session
    # An unknown identifier's spellings share one counter too.
    for orthographe in ["Personne@example.org", "personne@example.org", "PERSONNE@example.org", "personne@EXAMPLE.org"]:
        client.post("/connexion/", {"username": orthographe, "password": "x"})
    assert client.post("/connexion/", {"username": "pErsonne@example.org", "password": "x"}).status_code == 429
    # Another account from the same address still signs in.
    assert client.post("/connexion/", {"username": "lecteur@example.org", "password": MOT_DE_PASSE}).status_code == 302


@pytest.mark.parametrize(
    "mot_de_passe, message",
    [
        ("court", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("qwerty123456", "Ce mot de passe est trop courant."),
        ("123456789012345", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_weak_passwords_are_refused_in_french(connecter, mot_de_passe, message):
    client = connecter("lecteur")
    reponse = client.post(
        "/mot-de-passe/", {"old_password": MOT_DE_PASSE, "new_password1": mot_de_passe, "new_password2": mot_de_passe}
    )
    assert reponse.status_code == 200
    assert message in reponse.content.decode()


def _formulaire_seance(client):
    from gouvernance.models import Instance

    copil = Instance.objects.get(contrat__slug="grand-dijon", slug="comite-de-pilotage")
    return copil, {
        "instance": copil.pk,
        "date": "2021-10-12",
        "heure": "14:00",
        "lieu": "Mairie",
        "ordre_du_jour": "Bilan",
        "compte_rendu": "",
        "version": "",
        "presences-TOTAL_FORMS": 0,
        "presences-INITIAL_FORMS": 0,
        "decisions-TOTAL_FORMS": 0,
        "decisions-INITIAL_FORMS": 0,
    }


@pytest.mark.parametrize(
    "nom, contenu, message",
    [
        ("programme.exe", b"MZ\x90\x00", "Déposez un PDF, un document texte ou un tableur"),
        # The right name on the wrong content: an HTML page (or a program) named .pdf.
        ("compte-rendu.pdf", b"<html><script>alert(1)</script></html>", "Le contenu de ce fichier n'est pas un PDF"),
        ("compte-rendu.docx", b"%PDF-1.4", "Le contenu de ce fichier n'est pas un document docx"),
        ("notes.txt", b"\x00\x01\x02binaire", "Le contenu de ce fichier n'est pas du texte"),
    ],
)
def test_uploaded_minutes_are_checked_by_name_and_content(connecter, nom, contenu, message):
    from gouvernance.models import Seance

    client = connecter("chef.projet")
    _, donnees = _formulaire_seance(client)
    avant = Seance.objects.count()
    reponse = client.post(
        "/contrats/grand-dijon/seances/ajouter/", {**donnees, "fichier": SimpleUploadedFile(nom, contenu)}
    )
    assert reponse.status_code == 400
    assert message in html.unescape(reponse.content.decode())
    assert Seance.objects.count() == avant


def test_uploaded_minutes_are_limited_in_size(connecter, settings):
    from gouvernance import forms

    client = connecter("chef.projet")
    _, donnees = _formulaire_seance(client)
    trop = SimpleUploadedFile("cr.pdf", b"%PDF-1.4\n" + b"0" * (forms.TAILLE_MAX + 1))
    reponse = client.post("/contrats/grand-dijon/seances/ajouter/", {**donnees, "fichier": trop})
    assert "Le fichier dépasse 10 Mo." in reponse.content.decode()


def test_a_real_pdf_of_minutes_is_accepted(connecter):
    from gouvernance.models import Seance

    client = connecter("chef.projet")
    copil, donnees = _formulaire_seance(client)
    reponse = client.post(
        "/contrats/grand-dijon/seances/ajouter/",
        {**donnees, "fichier": SimpleUploadedFile("cr.pdf", b"%PDF-1.4\n%%EOF")},
    )
    assert reponse.status_code == 302
    assert Seance.objects.get(instance=copil, date="2021-10-12").fichier


# -- hostile text everywhere ------------------------------------------------------------------


def _champs_libres():
    for app in ("contrat", "engagements", "fiches", "gouvernance"):
        for modele in apps.get_app_config(app).get_models():
            uniques = {nom for c in modele._meta.constraints for nom in getattr(c, "fields", ())}
            for champ in modele._meta.concrete_fields:
                if (
                    not isinstance(champ, (models.CharField, models.TextField))
                    or isinstance(champ, models.SlugField)
                    or champ.choices
                    or (app, modele.__name__, champ.name) in PAS_DU_TEXTE_LIBRE
                ):
                    continue
                yield modele, champ, champ.unique or champ.name in uniques


def _saboter_tout():
    """Every free-text field of every row becomes the longest hostile text it can hold."""
    champs = 0
    for modele, champ, unique in _champs_libres():
        place = champ.max_length or 10_000
        texte = next(h for h in HOSTILES if len(h) + (8 if unique else 0) <= place)
        valeur = (
            Concat(models.Value(texte), models.functions.Cast("pk", models.CharField()))
            if unique
            else models.Value(texte)
        )
        modele._default_manager.update(**{champ.name: valeur})
        champs += 1
    return champs


class _Balises(HTMLParser):
    """Every element the browser would build from the page."""

    def __init__(self):
        super().__init__()
        self.dangers = []

    def handle_starttag(self, tag, attrs):
        attributs = dict(attrs)
        source = attributs.get("src") or ""
        if tag == "script" and not (source.startswith("/") and not source.startswith("//")):  # only our own files
            self.dangers.append((tag, attrs))
        if any(nom.startswith("on") for nom, _ in attrs) or (tag == "img" and attributs.get("src") == "x"):
            self.dangers.append((tag, attrs))
        if any((valeur or "").strip().lower().startswith(("javascript:", "http://pirate")) for _, valeur in attrs):
            self.dangers.append((tag, attrs))


def _pages_a_visiter():
    for nom, (kwargs, statuts) in sorted(MATRICE.items()):
        if statuts[ROLES.index("admin")] == 200:  # what the administrator can open
            yield nom, kwargs
    for nom in ("engagements:dispositifs_export", "engagements:estimations_export"):
        for format in ("csv", "xlsx"):
            yield nom, {"format": format}


def test_hostile_text_in_every_free_text_field_is_inert_everywhere(connecter):
    from engagements.models import Dispositif
    from gouvernance.models import Decision

    client = connecter("admin")
    urls = {(nom, tuple(sorted(kw.items()))): _url(nom, kw) for nom, kw in _pages_a_visiter()}
    assert Decision.objects.exists()  # the meeting and decision made by _url are sabotaged too
    assert _saboter_tout() >= 60
    dispositif = Dispositif.objects.filter(contrat__slug="grand-dijon").first()
    urls[("admin", ())] = f"/admin/engagements/dispositif/{dispositif.pk}/change/"
    urls[("admin-liste", ())] = "/admin/engagements/dispositif/"

    vus = {"html": 0, "pdf": 0, "xlsx": 0, "csv": 0}
    affiche = set()
    for (nom, _), url in sorted(urls.items()):
        reponse = client.get(url)
        assert reponse.status_code == 200, (url, reponse.status_code)
        type_ = reponse["Content-Type"]
        contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
        if nom == "gouvernance:seance_fichier":
            # An uploaded file is never shown in the browser: always a download.
            assert reponse["Content-Disposition"].startswith("attachment"), url
        elif nom == "engagements:export_fichier":
            continue  # a stand-in file made by the matrix; the annexe's own exports are read below
        elif type_.startswith("text/html"):
            page = contenu.decode()
            balises = _Balises()
            balises.feed(page)
            assert balises.dangers == [], (url, balises.dangers[:3])
            if "&lt;script&gt;" in page or "&quot;&gt;&lt;img" in page:
                affiche.add(nom)
            vus["html"] += 1
        elif type_ == "application/pdf":
            lecteur = PdfReader(io.BytesIO(contenu))
            texte = "".join(p.extract_text() for p in lecteur.pages)
            assert "<script>" in texte or "onerror" in texte, url  # printed as text
            liens = [a.get_object().get("/A", {}).get("/URI") for p in lecteur.pages for a in p.get("/Annots") or []]
            assert not any("pirate" in (lien or "") for lien in liens), url
            assert "/JavaScript" not in contenu.decode("latin-1") and "/JS " not in contenu.decode("latin-1")
            vus["pdf"] += 1
        elif "spreadsheetml" in type_:
            classeur = openpyxl.load_workbook(io.BytesIO(contenu))
            textes = [c for f in classeur.worksheets for r in f.iter_rows() for c in r if isinstance(c.value, str)]
            assert not [c.coordinate for c in textes if c.data_type == "f" and "pirate" in c.value], url
            assert any(c.value.startswith("=HYPERLINK") and c.data_type == "s" for c in textes), url
            vus["xlsx"] += 1
        elif type_.startswith("text/csv"):
            texte = contenu.decode("utf-8-sig")
            # The lists' CSV are French (« ; »); the open data follow RFC 4180 and the Table Schema (« , »).
            separateur = ";" if ";" in texte.splitlines()[0] else ","
            cellules = [c for ligne in csv.reader(io.StringIO(texte), delimiter=separateur) for c in ligne]
            assert not [c for c in cellules if c[:1] in "=+-@" and c], url
            assert any(c.startswith("'=HYPERLINK") for c in cellules), url
            vus["csv"] += 1
    # Every kind of output was read, and the main pages did show the hostile text (as text).
    assert vus["html"] >= 25 and vus["pdf"] >= 6 and vus["xlsx"] >= 5 and vus["csv"] >= 2, vus
    assert {
        "engagements:annexe",
        "engagements:dispositifs",
        "fiches:detail",
        "gouvernance:page",
        "gouvernance:seance",
        "contrat:detail",
        "admin",
    } <= affiche
