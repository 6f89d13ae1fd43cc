"""make bench, at national shape: the pages of a chef de projet and of a national partner's agent measured
at N = 1, 10 and 100 contracts (bench/national.py), interleaved, against the Django admin's changelist
of the same rows (a staff account, not a superuser) and WeasyPrint's fixed-layout table of the same rows.

One database per size (contrats_nat_1, _10, _100 on the local cluster; made once, kept, grown if asked
for more). One worker process per size, Django on its database, takes a request on its standard input
and answers its wall time, its SQL time, its query count; this process asks each page of each size in
turn, round after round, so that the machine's drift falls on every size alike.
Writes the "national" part of bench/results.json and prints each target met or not."""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench.statistiques import percentile  # noqa: E402

TAILLES = [int(t) for t in os.environ.get("BANC_TAILLES", "1,10,100").split(",")]
TOURS = int(os.environ.get("BANC_TOURS", "5"))
TOURS_LISTES = int(os.environ.get("BANC_TOURS_LISTES", "20"))
BASE = os.environ.get("BANC_BASE", "contrats_nat")
CHEF, AGENT, STAFF = "nat.chef-001", "nat.agent.caf-nat", "nat.staff"
# The view across contracts: the SGAR of nat-001's région (84), the ANCT, the CAF's network.
SGAR, ANCT, RESEAU = "nat.sgar-84", "nat.anct", "nat.reseau.caf-nat"
C = "/contrats/nat-001"

# (name, account, method, address, kind): kind "page" is held to the size targets, "liste" also to the
# admin anchor of the same scope ("ancre" names it), "ancre" and "pdf" are the anchors.
PAGES = [
    ("accueil du chef", CHEF, "GET", "/", "page"),
    ("page du contrat", CHEF, "GET", f"{C}/", "page"),
    ("annexe d'un partenaire (page)", CHEF, "GET", f"{C}/annexe-financiere/?annee=2025&partenaire=caf-nat", "page"),
    ("annexe d'un partenaire (PDF)", CHEF, "GET", f"{C}/annexe-financiere.pdf?annee=2025&partenaire=caf-nat", "page"),
    ("annexe d'un partenaire (xlsx)", CHEF, "GET", f"{C}/annexe-financiere.xlsx?annee=2025&partenaire=caf-nat", "page"),
    ("tableau de bord", CHEF, "GET", f"{C}/tableau-de-bord/?annee=2025", "page"),
    ("synthèse", CHEF, "GET", f"{C}/synthese/", "page"),
    ("rapport annuel", CHEF, "GET", f"{C}/rapport-annuel/2025/", "page"),
    ("dispositifs ?contrat=", CHEF, "GET", "/dispositifs/?contrat=nat-001&per_page=100", "liste:admin ?contrat="),
    ("dispositifs ?contrat=&q=", CHEF, "GET", "/dispositifs/?contrat=nat-001&q=familles&per_page=100", "page"),
    ("estimations ?contrat=&annee=", CHEF, "GET", "/estimations/?contrat=nat-001&annee=2025&per_page=100", "page"),
    ("admin ?contrat=", STAFF, "GET", "/admin/engagements/dispositif/?contrat__id__exact={contrat}", "ancre"),
    ("accueil de l'agent national", AGENT, "GET", "/", "page"),
    ("page du partenaire national", AGENT, "GET", "/partenaires/caf-nat/", "page"),
    ("dispositifs sans contrat", AGENT, "GET", "/dispositifs/?per_page=100", "liste:admin ?contrat="),
    ("dispositifs sans contrat ?q=", AGENT, "GET", "/dispositifs/?q=familles&per_page=100", "page"),
    ("estimations ?annee=&q=", AGENT, "GET", "/estimations/?annee=2025&q=familles&per_page=100", "page"),
    ("dispositifs ?contrat=&partenaire=", AGENT, "GET", "/dispositifs/?contrat=nat-001&partenaire=caf-nat", "page"),
    ("grille (GET)", AGENT, "GET", f"{C}/contributions/caf-nat/2025/", "page"),
    ("grille (POST)", AGENT, "POST", f"{C}/contributions/caf-nat/2025/", "page"),
    ("données ouvertes CSV (refaites)", CHEF, "GET", f"{C}/donnees/engagements.csv", "page"),
    ("données ouvertes CSV (gardées)", CHEF, "GET", f"{C}/donnees/engagements.csv", "page"),
    ("consolidation d'une région", SGAR, "GET", "/consolidation/?annee=2025&region=84", "région"),
    (
        "consolidation d'une région (xlsx)",
        SGAR,
        "GET",
        "/consolidation/partenaires.xlsx?annee=2025&region=84",
        "région",
    ),
    ("revue régionale (PDF)", SGAR, "GET", "/consolidation.pdf?annee=2025&region=84", "région"),
    ("consolidation du réseau CAF", RESEAU, "GET", "/consolidation/?annee=2025", "région"),
    ("consolidation nationale", ANCT, "GET", "/consolidation/?annee=2025", "région"),
    ("tableau fixe de WeasyPrint", CHEF, "PDF", f"{C}/annexe-financiere.pdf?annee=2025&partenaire=caf-nat", "pdf"),
]
LISTES = {nom for nom, *_, genre in PAGES if genre.startswith("liste") or genre == "ancre"}


# -- the worker: one size, one database ------------------------------------------------------------


def ouvrier():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from contrat.models import Contrat, Partenaire
    from tests.formulaires_html import Formulaires

    valeurs = {"contrat": Contrat.objects.get(slug="nat-001").pk, "caf": Partenaire.objects.get(slug="caf-nat").pk}
    clients = {}

    class Chrono:
        def __init__(self):
            self.n, self.s = 0, 0.0

        def __call__(self, execute, sql, params, many, context):
            debut = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                self.s += time.perf_counter() - debut
                self.n += 1

    def client(compte):
        if compte not in clients:
            clients[compte] = Client()
            clients[compte].force_login(User.objects.get(username=compte))
        return clients[compte]

    def grille(c, adresse, tour):
        """The grid's form as the page gives it, one amount changed: what the agent posts."""
        lecteur = Formulaires()
        lecteur.feed(c.get(adresse).content.decode())
        champs = next(
            f["champs"] for f in lecteur.formulaires if any(k.endswith("montant_annuel") for k in f["champs"])
        )
        cle = next(k for k, v in champs.items() if k.endswith("montant_annuel") and v and v[0])
        champs[cle] = [str(1000 + tour)]
        return champs

    def fixe(adresse):
        """WeasyPrint's fixed-layout table of the annexe's rows, with no help of ours."""
        from bench.mesurer import NAIF_FIXE, lignes_de
        from engagements.annexe import Annexe

        annexe = Annexe(Contrat.objects.get(slug="nat-001"), 2025, Partenaire.objects.get(slug="caf-nat"))
        from weasyprint import HTML

        return HTML(
            string=NAIF_FIXE.render({"colonnes": annexe.colonnes, "lignes": list(lignes_de(annexe))})
        ).write_pdf()

    for ligne in sys.stdin:
        demande = json.loads(ligne)
        adresse = demande["adresse"].format(**valeurs)
        c = client(demande["compte"])
        donnees = grille(c, adresse, demande["tour"]) if demande["methode"] == "POST" else None
        chrono = Chrono()
        debut = time.perf_counter()
        with connection.execute_wrapper(chrono):
            if demande["methode"] == "PDF":
                corps, statut = fixe(adresse), 200
            else:
                reponse = c.post(adresse, donnees) if donnees else c.get(adresse)
                corps = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
                statut = reponse.status_code
        duree = time.perf_counter() - debut
        print(
            json.dumps({"s": duree, "sql_s": chrono.s, "requetes": chrono.n, "statut": statut, "octets": len(corps)}),
            flush=True,
        )


# -- the conductor -------------------------------------------------------------------------------------


def _env(n):
    env = dict(os.environ, DATABASE_URL=f"postgresql:///{BASE}_{n}", PYTHONPATH=str(RACINE))
    env.setdefault("EXPORT_SEUIL_LIGNES", "500")
    return env


def preparer(n):
    """The database of size n: made if missing, migrated, its contracts generated (kept between runs)."""
    nom = f"{BASE}_{n}"
    existe = subprocess.run(["psql", "-lqt"], capture_output=True, text=True).stdout
    if nom not in [ligne.split("|")[0].strip() for ligne in existe.splitlines()]:
        subprocess.run(["createdb", nom], check=True)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "--no-input", "-v0"], cwd=RACINE, env=_env(n), check=True)
    code = (
        "import django, json; django.setup(); from bench import national; import time; t = time.perf_counter(); "
        f"lignes = national.generer({n}); print(json.dumps([lignes, time.perf_counter() - t]))"
    )
    sortie = subprocess.run(
        [py, "-c", code],
        cwd=RACINE,
        env=dict(_env(n), DJANGO_SETTINGS_MODULE="config.settings"),
        capture_output=True,
        text=True,
        check=True,
    )
    lignes, duree = json.loads(sortie.stdout.strip().splitlines()[-1])
    return {"lignes_creees": lignes, "generation_s": round(duree, 1)}


def mesurer():
    journal = open(RACINE / "bench" / "national-ouvriers.log", "w")
    ouvriers = {
        n: subprocess.Popen(
            [sys.executable, str(Path(__file__)), "ouvrier"],
            cwd=RACINE,
            env=_env(n),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=journal,
            text=True,
        )
        for n in TAILLES
    }

    def demander(n, page, tour):
        nom, compte, methode, adresse, _ = page
        ouvrier_ = ouvriers[n]
        ouvrier_.stdin.write(
            json.dumps({"compte": compte, "methode": methode, "adresse": adresse, "tour": tour}) + "\n"
        )
        ouvrier_.stdin.flush()
        ligne = ouvrier_.stdout.readline()
        if not ligne:
            raise SystemExit(f"L'ouvrier de N = {n} s'est arrêté (bench/national-ouvriers.log).")
        return json.loads(ligne)

    mesures = {nom: {n: [] for n in TAILLES} for nom, *_ in PAGES}
    try:
        for n in TAILLES:  # warm: templates compiled, sessions open, caches of the database filled
            for page in PAGES:
                demander(n, page, 0)
        for tour in range(1, max(TOURS, TOURS_LISTES) + 1):
            ordre = TAILLES[tour % len(TAILLES) :] + TAILLES[: tour % len(TAILLES)]
            for page in PAGES:
                if tour > TOURS and page[0] not in LISTES:
                    continue
                for n in ordre:
                    resultat = demander(n, page, tour)
                    attendu = 302 if page[2] == "POST" else 200
                    if resultat["statut"] != attendu:
                        raise SystemExit(f"{page[0]} (N = {n}) : statut {resultat['statut']}, attendu {attendu}.")
                    mesures[page[0]][n].append(resultat)
    finally:
        for ouvrier_ in ouvriers.values():
            ouvrier_.stdin.close()
            ouvrier_.wait(timeout=60)
        journal.close()
    return mesures


def resumer(mesures):
    resume = {}
    for nom, *_ in PAGES:
        resume[nom] = {}
        for n, series in mesures[nom].items():
            temps = [m["s"] for m in series]
            resume[nom][str(n)] = {
                "requetes": sorted({m["requetes"] for m in series}),
                "sql_s": round(statistics.median(m["sql_s"] for m in series), 3),
                "p50_s": round(percentile(temps, 50), 3),
                "p95_s": round(percentile(temps, 95), 3),
                "octets": series[-1]["octets"],
                "mesures": len(series),
            }
    return resume


def cibles(resume):
    """Each target of the issue, met or not, with what it compares."""
    petit, grands, grand = str(TAILLES[0]), [str(n) for n in TAILLES[1:]], str(TAILLES[-1])
    verdicts = []
    for nom, compte, _, _, genre in PAGES:
        if genre in ("ancre", "pdf"):
            continue
        r = resume[nom]
        requetes = [r[n]["requetes"] for n in r]
        verdicts.append((f"{nom} : mêmes requêtes à chaque N", str(requetes), all(q == requetes[0] for q in requetes)))
        if genre == "région":
            # What it shows grows with N (the région's contracts, the network's, the nation's): its time is
            # reported, not held to the ratio of a page of one contract.
            verdicts.append((f"{nom} : < 2 s à N = {grand}", f"{r[grand]['p50_s']:.2f} s", r[grand]["p50_s"] < 2))
            continue
        base = max(r[petit]["sql_s"], 0.001)  # below a millisecond, a ratio says nothing
        for n in grands:
            ratio = r[n]["sql_s"] / base
            ecart = f"{ratio:.2f} ({r[petit]['sql_s'] * 1000:.0f} → {r[n]['sql_s'] * 1000:.0f} ms)"
            verdicts.append((f"{nom} : SQL à N = {n} ≤ 1,5 × N = {petit}", ecart, ratio <= 1.5))
        if compte == AGENT and (
            nom.startswith(("accueil", "page du partenaire")) or "dispositifs" in nom or "estimations" in nom
        ):
            verdicts.append((f"{nom} : < 1 s à N = {grand}", f"{r[grand]['p50_s']:.2f} s", r[grand]["p50_s"] < 1))
        if genre.startswith("liste:"):
            ancre = resume[genre.split(":", 1)[1]]
            for n in r:
                ratio = r[n]["p95_s"] / ancre[n]["p95_s"]
                verdicts.append((f"{nom} : p95 ≤ 1,0 × admin (N = {n})", f"{ratio:.2f}", ratio <= 1.0))
    pdf, fixe = resume["annexe d'un partenaire (PDF)"], resume["tableau fixe de WeasyPrint"]
    for n in pdf:
        ratio = pdf[n]["p50_s"] / fixe[n]["p50_s"]
        verdicts.append((f"annexe PDF ≤ 0,5 × tableau fixe (N = {n})", f"{ratio:.2f}", ratio <= 0.5))
    return verdicts


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "ouvrier":
        return ouvrier()
    resultats = {"tailles": TAILLES, "tours": TOURS, "tours_listes": TOURS_LISTES, "processeurs": os.cpu_count()}
    debut = time.perf_counter()
    resultats["bases"] = {str(n): preparer(n) for n in TAILLES}
    resultats["preparation_s"] = round(time.perf_counter() - debut, 1)
    debut = time.perf_counter()
    resume = resumer(mesurer())
    resultats["mesure_s"] = round(time.perf_counter() - debut, 1)
    resultats["pages"] = resume
    verdicts = cibles(resume)
    resultats["cibles"] = [{"cible": c, "valeur": v, "atteinte": ok} for c, v, ok in verdicts]
    sortie = RACINE / "bench" / "results.json"
    tout = json.loads(sortie.read_text()) if sortie.exists() else {}
    tout["national"] = resultats
    sortie.write_text(json.dumps(tout, indent=2, ensure_ascii=False) + "\n")

    largeur = max(len(nom) for nom, *_ in PAGES) + 2
    print(f"\n{'page (N contrats)':<{largeur}}" + "".join(f"{'N = ' + str(n):>26}" for n in TAILLES))
    print(f"{'':<{largeur}}" + "".join(f"{'req.  SQL s  p50 s  p95 s':>26}" for _ in TAILLES))
    for nom, *_ in PAGES:
        cellules = []
        for n in TAILLES:
            r = resume[nom][str(n)]
            q = "/".join(str(x) for x in r["requetes"])
            cellules.append(f"{q:>6} {r['sql_s']:>6.2f} {r['p50_s']:>6.2f} {r['p95_s']:>6.2f}")
        print(f"{nom:<{largeur}}" + "".join(f"{c:>26}" for c in cellules))
    print()
    for cible, valeur, ok in verdicts:
        print(f"{'atteinte' if ok else 'MANQUÉE ':<9} {cible} : {valeur}")
    manquees = sum(1 for *_, ok in verdicts if not ok)
    print(
        f"\n{len(verdicts) - manquees} cibles atteintes, {manquees} manquées ; "
        f"préparation {resultats['preparation_s']} s, mesure {resultats['mesure_s']} s. "
        "Écrit dans bench/results.json (« national »)."
    )
    return 0  # measured: the targets are said above and in results.json, met or not


if __name__ == "__main__":
    sys.exit(main())
