"""make serve (gunicorn processes, background workers, WhiteNoise, DEBUG off) against one
PostgreSQL, and the backup / restore of the README, run for real."""

import http.cookiejar
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from .conftest import MOT_DE_PASSE

RACINE = Path(__file__).resolve().parent.parent
PG = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
seulement_pg = pytest.mark.skipif(
    not PG, reason="make serve et les sauvegardes s'appuient sur PostgreSQL (lancé par .ci/run)"
)


def _url_de_la_base():
    nom = connection.settings_dict["NAME"]
    return f"postgresql:///{nom}"


def _environnement(**extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "STATIC_SANS_MANIFESTE"}}
    env.update(
        SECRET_KEY="cle-de-production-du-test-de-make-serve-0123456789-abcdefghijkl",
        ALLOWED_HOSTS="127.0.0.1",
        PY=str(RACINE / ".venv/bin/python") if (RACINE / ".venv/bin/python").exists() else "python",
        **extra,
    )
    return env


def test_serve_refuses_a_database_that_is_not_postgresql():
    resultat = subprocess.run(
        ["deploiement/servir.sh"],
        cwd=RACINE,
        capture_output=True,
        text=True,
        timeout=60,
        env=_environnement(DATABASE_URL="sqlite:///demo.sqlite3"),
    )
    assert resultat.returncode == 2
    assert "DATABASE_URL doit désigner une base PostgreSQL" in resultat.stderr


def _port_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Navigateur:
    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.ouvreur = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _SansRedirection)

    def get(self, chemin):
        try:
            return self.ouvreur.open(self.base + chemin, timeout=60)
        except urllib.error.HTTPError as reponse:
            return reponse

    def post(self, chemin, donnees):
        jeton = next(c.value for c in self.cookies if c.name == "csrftoken")
        corps = urllib.parse.urlencode({**donnees, "csrfmiddlewaretoken": jeton}).encode()
        requete = urllib.request.Request(self.base + chemin, corps, headers={"Referer": self.base + chemin})
        try:
            return self.ouvreur.open(requete, timeout=60)
        except urllib.error.HTTPError as reponse:
            return reponse


class _SansRedirection(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@seulement_pg
@pytest.mark.django_db(transaction=True)
def test_make_serve_runs_processes_and_workers_on_one_postgresql(conventions, comptes, tmp_path):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    # The server has the production hashers (the tests use a fast one).
    hacheur = PBKDF2PasswordHasher()
    comptes["chef.projet"].password = hacheur.encode(MOT_DE_PASSE, hacheur.salt())
    comptes["chef.projet"].save()
    port = _port_libre()
    journal = open(tmp_path / "serve.log", "w")
    # The test database is built from the models (--nomigrations): it is marked migrated, as a database
    # `make serve` has already migrated; tests/test_migrations.py applies the migrations themselves.
    subprocess.run(
        [_environnement()["PY"], "manage.py", "migrate", "--fake", "--no-input", "-v0"],
        cwd=RACINE,
        check=True,
        env=_environnement(DATABASE_URL=_url_de_la_base(), DEBUG="0", SECURE_HTTPS="0"),
    )
    serveur = subprocess.Popen(
        ["deploiement/servir.sh"],
        cwd=RACINE,
        stdout=journal,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=_environnement(
            DATABASE_URL=_url_de_la_base(),
            PORT=str(port),
            WEB_CONCURRENCY="2",
            TACHES_WORKERS="1",
            SECURE_HTTPS="0",
            EXPORT_SEUIL_LIGNES="10",
            MEDIA_ROOT=str(tmp_path / "media"),
        ),
    )
    try:
        navigateur = Navigateur(f"http://127.0.0.1:{port}")
        # Collecting the static files and starting the processes: up to 3 minutes when the other legs of
        # the suite share the machine's cores.
        for _ in range(360):
            try:
                if navigateur.get("/sante/").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        sante = navigateur.get("/sante/")
        assert sante.status == 200 and b'"statut": "ok"' in sante.read()

        page = navigateur.get("/connexion/").read().decode()
        feuille = re.search(r'href="(/static/dsfr/dist/dsfr/dsfr\.min\.[0-9a-f]{12}\.css)"', page).group(1)
        statique = navigateur.get(feuille)  # collected, hashed, served by WhiteNoise
        assert statique.status == 200 and "immutable" in statique.headers["Cache-Control"]
        assert navigateur.post("/connexion/", {"username": "chef.projet", "password": MOT_DE_PASSE}).status == 302

        # A large annexe: queued, made by the db_worker process, then offered.
        demande = navigateur.get("/contrats/grand-dijon/annexe-financiere.pdf")
        assert demande.status == 302
        suivi = demande.headers["Location"]
        for _ in range(120):
            if "Le fichier est prêt" in navigateur.get(suivi).read().decode():
                break
            time.sleep(0.5)
        fichier = navigateur.get(suivi + "fichier/")
        assert fichier.status == 200 and fichier.read().startswith(b"%PDF")
        # Several gunicorn processes answer (the master and its two workers).
        processus = subprocess.run(
            ["pgrep", "-f", "gunicorn --config deploiement/gunicorn.conf.py"], capture_output=True, text=True
        ).stdout.split()
        assert len(processus) >= 3
    finally:
        os.killpg(serveur.pid, 15)
        serveur.wait(timeout=30)
        journal.close()
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


def _psql(url, sql):
    return subprocess.run(["psql", url, "-tAc", sql], capture_output=True, text=True, check=True).stdout.strip()


COMPTAGES = (
    "select count(*) from engagements_dispositif",
    "select count(*) from engagements_estimation",
    "select coalesce(sum(montant_annuel), 0) from engagements_estimation",
    "select count(*) from noyau_historique",
    "select count(*) from auth_user",
    "select count(*) from fiches_fiche",
    "select count(*) from gouvernance_instance",
)


@seulement_pg
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_its_files(conventions, comptes, tmp_path):
    media = tmp_path / "media"
    (media / "seances/2021").mkdir(parents=True)
    (media / "seances/2021/compte-rendu.pdf").write_bytes(b"%PDF-1.4 compte rendu du copil")
    source = _url_de_la_base()
    env = _environnement(DATABASE_URL=source, MEDIA_ROOT=str(media))
    # Under the usual umask 022 a file would be world-readable: the backup is its owner's alone.
    fait = subprocess.run(
        ["deploiement/sauvegarder.sh", str(tmp_path / "sauvegardes")],
        cwd=RACINE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert fait.returncode == 0, fait.stderr
    base, fichiers = fait.stdout.split()
    assert [oct(os.stat(f).st_mode & 0o777) for f in (base, fichiers)] == ["0o600", "0o600"]

    cible = f"restauration_{os.getpid()}"
    subprocess.run(["createdb", cible], check=True)
    try:
        url = f"postgresql:///{cible}"
        restaure = tmp_path / "media-restaure"
        env = _environnement(DATABASE_URL=url, MEDIA_ROOT=str(restaure))
        fait = subprocess.run(
            ["deploiement/restaurer.sh", base, fichiers],
            cwd=RACINE,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert fait.returncode == 0, fait.stderr
        assert [_psql(url, q) for q in COMPTAGES] == [_psql(source, q) for q in COMPTAGES]
        assert _psql(url, "select count(*) from engagements_dispositif") != "0"
        assert (restaure / "seances/2021/compte-rendu.pdf").read_bytes() == b"%PDF-1.4 compte rendu du copil"
        # Restoring over data is refused: nothing is mixed or half-written.
        encore = subprocess.run(["deploiement/restaurer.sh", base], cwd=RACINE, env=env, capture_output=True, text=True)
        assert encore.returncode == 2 and "n'est pas vide" in encore.stderr
    finally:
        subprocess.run(["dropdb", "--if-exists", cible], check=True)
