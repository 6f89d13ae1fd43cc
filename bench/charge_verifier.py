"""After make charge: no server error, no lost write, p95 per kind of request (bench/charge.json)."""

import csv
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

import django

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from noyau.models import Historique  # noqa: E402

ICI = RACINE / "bench"
ecritures = [json.loads(ligne) for ligne in (ICI / "locust-ecritures.jsonl").read_text().splitlines() if ligne]
historique = set()
for avant_apres in Historique.objects.filter(
    objet="estimation", objet_id__in={e["estimation"] for e in ecritures}, action="modification"
).values_list("objet_id", "apres"):
    pk, apres = avant_apres
    if apres and apres.get("montant_annuel") is not None:
        historique.add((pk, Decimal(str(apres["montant_annuel"]))))
perdues = [e for e in ecritures if (e["estimation"], Decimal(e["montant_annuel"])) not in historique]

with open(ICI / "locust_stats.csv") as f:
    lignes = list(csv.DictReader(f))
par_type = {
    ligne_["Name"]: {
        "requetes": int(ligne_["Request Count"]),
        "echecs": int(ligne_["Failure Count"]),
        "p50_ms": float(ligne_["50%"]),
        "p95_ms": float(ligne_["95%"]),
        "max_ms": round(float(ligne_["Max Response Time"])),
    }
    for ligne_ in lignes
    if ligne_["Name"] != "Aggregated"
}
total = next(ligne_ for ligne_ in lignes if ligne_["Name"] == "Aggregated")
with open(ICI / "locust_failures.csv") as f:
    echecs = list(csv.DictReader(f))
erreurs_serveur = [e for e in echecs if "50" in e.get("Error", "")[:40] or "Server Error" in e.get("Error", "")]
journal = (ICI / "locust-serveur.log").read_text() if (ICI / "locust-serveur.log").exists() else ""

resultat = {
    "utilisateurs": 50,
    "duree_s": 120,
    "requetes": int(total["Request Count"]),
    "echecs": int(total["Failure Count"]),
    "requetes_par_s": round(float(total["Requests/s"]), 1),
    "erreurs_serveur": len(erreurs_serveur),
    "tracebacks_serveur": journal.count("Traceback"),
    "ecritures_acquittees": len(ecritures),
    "ecritures_perdues": len(perdues),
    "p95_par_type_ms": par_type,
}
# The pages a person lands on: their p95 against the target of 2 s at national shape.
ENTREES = ("accueil (agent national)", "accueil (chef)", "page du contrat", "page du partenaire national")
resultat["entrees_p95_ms"] = {nom: par_type[nom]["p95_ms"] for nom in ENTREES if nom in par_type}
resultat["entrees_p95_2s_atteinte"] = all(v <= 2000 for v in resultat["entrees_p95_ms"].values())
(ICI / "charge.json").write_text(json.dumps(resultat, indent=2, ensure_ascii=False) + "\n")
print(f"\n{'type de requête':<32}{'requêtes':>9}{'échecs':>8}{'p50 ms':>8}{'p95 ms':>8}")
for nom, v in sorted(par_type.items()):
    print(f"{nom:<32}{v['requetes']:>9}{v['echecs']:>8}{v['p50_ms']:>8.0f}{v['p95_ms']:>8.0f}")
print(
    f"\n{resultat['requetes']} requêtes, {resultat['echecs']} échecs, {resultat['erreurs_serveur']} erreurs serveur, "
    f"{resultat['tracebacks_serveur']} traces d'erreur au journal ; {len(ecritures)} écritures acquittées, "
    f"{len(perdues)} perdues."
)
print(
    "p95 des pages d'entrée ≤ 2 s : "
    + ("atteinte" if resultat["entrees_p95_2s_atteinte"] else "MANQUÉE")
    + " ("
    + ", ".join(f"{nom} {v / 1000:.1f} s" for nom, v in resultat["entrees_p95_ms"].items())
    + ")"
)
# A run that could not work is no proof: it must have written and read for real.
assert len(ecritures) >= 100 and resultat["requetes"] >= 1000, "trop peu de requêtes abouties pour conclure"
ok = not perdues and not erreurs_serveur and not resultat["tracebacks_serveur"] and resultat["echecs"] == 0
sys.exit(0 if ok else 1)
