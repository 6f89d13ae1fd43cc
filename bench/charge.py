"""The load test (make charge): 50 users for 2 minutes against make serve on 127.0.0.1 only, on a copy
of the bench's national database (N contracts).

Agents of the national organisations edit their own estimates across contracts; chefs de projet of
25 contracts open pages, filter lists and export. Every edit the server acknowledges (redirect after
the form) is written down (bench/locust-ecritures.jsonl) so that bench/charge_verifier.py can find it in the history."""

import json
import random
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

from locust import HttpUser, between, events, task

ICI = Path(__file__).resolve().parent
COMPTES = json.loads((ICI / "locust-comptes.json").read_text())
ECRITURES = open(ICI / "locust-ecritures.jsonl", "w")
REQUETES_MAX = 40_000  # a bound on the whole run, beside the time and the users


@events.test_start.add_listener
def seulement_ici(environment, **kwargs):
    if urlparse(environment.host or "").hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("Le test de charge ne vise que 127.0.0.1.")


@events.request.add_listener
def borne(context=None, **kwargs):
    runner = borne.environment.runner if hasattr(borne, "environment") else None
    if runner is not None and runner.stats.total.num_requests >= REQUETES_MAX:
        runner.quit()


@events.init.add_listener
def garder(environment, **kwargs):
    borne.environment = environment


def _jeton(reponse):
    trouve = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reponse.text)
    return trouve.group(1) if trouve else ""


class Utilisateur(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    identifiant = None

    def on_start(self):
        page = self.client.get("/connexion/", name="connexion (page)")
        self.client.post(
            "/connexion/",
            {"username": self.identifiant, "password": COMPTES["mot_de_passe"], "csrfmiddlewaretoken": _jeton(page)},
            headers={"Referer": f"{self.host}/connexion/"},
            name="connexion",
            allow_redirects=False,
        )


class Agent(Utilisateur):
    """An agent of a national organisation (CAF, France Travail…): its home, its organisation's page, its grid
    in one of its 20 contracts, and rewrites of its 2025 amounts there."""

    weight = 3
    numero = 0

    def on_start(self):
        Agent.numero += 1
        comptes = sorted(COMPTES["agents"])
        self.identifiant = comptes[(Agent.numero - 1) % len(comptes)]
        self.organisation = self.identifiant.removeprefix("nat.agent.")
        self.lignes = COMPTES["agents"][self.identifiant]
        super().on_start()

    def _contrat(self):
        return random.choice(sorted(self.lignes))

    @task(3)
    def modifier(self):
        pk = random.choice(self.lignes[self._contrat()])
        with self.client.get(f"/estimations/{pk}/modifier/", name="estimation (formulaire)", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"formulaire {r.status_code}")
                return
        champs = dict(
            re.findall(r'<input[^>]*name="(version|annee|periode_debut|periode_fin)"[^>]*value="([^"]*)"', r.text)
        )
        partenaire = re.search(r'<select[^>]*name="partenaire".*?<option value="(\d+)"[^>]*selected', r.text, re.S)
        montant = Decimal(random.randrange(1_000, 5_000_000))
        donnees = {
            **champs,
            "partenaire": partenaire.group(1) if partenaire else "",
            "montant_annuel": str(montant),
            "montant_pluriannuel": str(montant * 3),
            "remarque_annuelle": "",
            "remarque_pluriannuelle": "",
            "csrfmiddlewaretoken": _jeton(r),
        }
        with self.client.post(
            f"/estimations/{pk}/modifier/",
            donnees,
            name="estimation (enregistrer)",
            allow_redirects=False,
            catch_response=True,
        ) as envoi:
            if envoi.status_code == 302:  # acknowledged
                ECRITURES.write(
                    json.dumps({"estimation": pk, "montant_annuel": str(montant), "agent": self.identifiant}) + "\n"
                )
                ECRITURES.flush()
            elif envoi.status_code == 409:  # someone else saved first: refused, said, nothing lost
                envoi.success()
            else:
                envoi.failure(f"enregistrement {envoi.status_code}")

    @task(2)
    def accueil(self):
        self.client.get("/", name="accueil (agent national)")

    @task(1)
    def page_du_partenaire(self):
        self.client.get(f"/partenaires/{self.organisation}/", name="page du partenaire national")

    @task(1)
    def grille(self):
        self.client.get(f"/contrats/{self._contrat()}/contributions/{self.organisation}/2025/", name="grille (GET)")

    @task(1)
    def ses_lignes(self):
        self.client.get(f"/dispositifs/?contrat={self._contrat()}&partenaire={self.organisation}", name="liste filtrée")


class Chef(Utilisateur):
    """A chef de projet of one of 25 contracts: home, contract, dashboard, annexe, lists, exports."""

    weight = 2
    numero = 0

    def on_start(self):
        Chef.numero += 1
        comptes = sorted(COMPTES["chefs"])
        self.identifiant = comptes[(Chef.numero - 1) % len(comptes)]
        self.contrat = COMPTES["chefs"][self.identifiant]
        super().on_start()

    @task(2)
    def accueil(self):
        self.client.get("/", name="accueil (chef)")

    @task(2)
    def contrat(self):
        self.client.get(f"/contrats/{self.contrat}/", name="page du contrat")

    @task(3)
    def liste(self):
        self.client.get(
            f"/dispositifs/?contrat={self.contrat}&per_page=100&page={random.randint(1, 50)}", name="liste (100 lignes)"
        )

    @task(2)
    def filtre(self):
        mot = random.choice(["parentalité", "emploi", "mobilité", "culture", "santé"])
        self.client.get(f"/dispositifs/?contrat={self.contrat}&q={mot}", name="liste filtrée")

    @task(2)
    def estimations(self):
        self.client.get(f"/estimations/?contrat={self.contrat}&annee=2025", name="estimations filtrées")

    @task(1)
    def annexe(self):
        organisation = random.choice(["caf-nat", "france-travail-nat", "etat-nat"])
        self.client.get(
            f"/contrats/{self.contrat}/annexe-financiere/?annee=2025&partenaire={organisation}",
            name="annexe d'un partenaire",
        )

    @task(1)
    def export_annexe(self):
        # One partner's 100 lines: made in the request.
        self.client.get(
            f"/contrats/{self.contrat}/annexe-financiere.xlsx?annee=2025&partenaire=caf-nat", name="annexe Excel"
        )

    @task(1)
    def tableau_de_bord(self):
        self.client.get(f"/contrats/{self.contrat}/tableau-de-bord/", name="tableau de bord")
