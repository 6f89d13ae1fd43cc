"""Open data: a contract's commitments (partner, place in the strategy tree, dispositif, year,
planned, done, quartiers) as CSV and JSON, described by the Table Schema committed in
`schemas/engagements.schema.json`. One URL per contract; without login once the chef de projet
publishes them (off by default), else for those who see the contract.

Amounts are written from their Decimal (« 12130500.00 »), never through a float; an unknown amount
is an empty cell (CSV) or null (JSON), never 0."""

import csv
import io
import json
from pathlib import Path

from django.conf import settings

from noyau.classeurs import texte_sur

from .models import Estimation, realisation_de

SCHEMA = Path(settings.BASE_DIR) / "schemas" / "engagements.schema.json"


def champs():
    return [c["name"] for c in json.loads(SCHEMA.read_text(encoding="utf-8"))["fields"]]


def _chemin(objectif):
    orientation = objectif.orientation
    pilier = orientation.pilier
    niveaux = [pilier.intitule] + ([] if pilier.transversal else [orientation.intitule]) + [objectif.intitule]
    return " > ".join(niveaux)


def lignes(contrat):
    """One row per estimate of the contract (archived dispositifs aside), in the schema's fields' order."""
    estimations = (
        Estimation.objects.filter(dispositif__contrat=contrat, dispositif__archive=False)
        .select_related("partenaire", "dispositif", "realisation")
        .prefetch_related("dispositif__objectifs__orientation__pilier", "dispositif__quartiers")
        .order_by("annee", "dispositif__ordre", "dispositif__pk", "partenaire__nom")
    )
    for e in estimations:
        realisation = realisation_de(e)
        yield {
            "contrat": contrat.slug,
            "contrat_nom": contrat.nom,
            "partenaire": e.partenaire.slug,
            "partenaire_nom": e.partenaire.nom,
            "partenaire_siren": e.partenaire.siren,
            "niveaux": " ; ".join(_chemin(o) for o in e.dispositif.objectifs.all()),
            "dispositif": e.dispositif.libelle,
            "annee": e.annee,
            "montant_prevu": e.montant_annuel,
            "montant_realise": realisation.montant_realise if realisation is not None else None,
            "quartiers": " ; ".join(q.code or q.nom for q in e.dispositif.quartiers.all()),
        }


def _cellule(valeur):
    return "" if valeur is None else texte_sur(str(valeur))


def en_csv(contrat):
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, lineterminator="\n")
    noms = champs()
    ecrivain.writerow(noms)
    for ligne in lignes(contrat):
        ecrivain.writerow([_cellule(ligne[n]) for n in noms])
    return sortie.getvalue()


def _json(valeur):
    # A Decimal is written as the number it holds, digit for digit (json would go through a float).
    if valeur is None or isinstance(valeur, (str, int)):
        return json.dumps(valeur, ensure_ascii=False)
    return format(valeur, "f")


def en_json(contrat, schema):
    """{"schema": <its URL>, "contrat": <slug>, "engagements": [one object per row]}."""
    noms = champs()
    objets = ["{" + ", ".join(f"{json.dumps(n)}: {_json(ligne[n])}" for n in noms) + "}" for ligne in lignes(contrat)]
    return (
        f'{{"schema": {json.dumps(schema)}, "contrat": {json.dumps(contrat.slug)}, "engagements": [\n'
        + ",\n".join(objets)
        + "\n]}\n"
    )
