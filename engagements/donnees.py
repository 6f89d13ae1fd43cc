"""Open data: a contract's commitments (partner, place in the strategy tree, dispositif, year,
planned, done, quartiers) as CSV and JSON, described by the Table Schema committed in
`schemas/engagements.schema.json`. One URL per contract; without login once the chef de projet
publishes them (off by default), else for those who see the contract.

Amounts are written from their Decimal (« 12130500.00 »), never through a float; an unknown amount
is an empty cell (CSV) or null (JSON), never 0."""

import csv
import hashlib
import io
import json
import tempfile
from pathlib import Path

from django.conf import settings

from contrat.models import Objectif, Partenaire, Quartier
from noyau.classeurs import texte_sur

from .models import Dispositif, Estimation, realisation_de

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
        Estimation.objects.du_contrat(contrat)
        .select_related("partenaire", "dispositif", "realisation")
        .prefetch_related("dispositif__objectifs__orientation__pilier", "dispositif__quartiers__qpv")
        .order_by("annee", "dispositif__ordre", "dispositif__pk", "partenaire__nom")
    )
    # Read 2 000 rows at a time (prefetches included): 35 000 lines in the memory of 2 000.
    for e in estimations.iterator(chunk_size=2000):
        realisation = realisation_de(e)
        yield {
            "contrat": contrat.slug,
            "contrat_nom": contrat.nom,
            "partenaire": e.partenaire.slug,
            "partenaire_nom": e.partenaire.nom,
            "partenaire_siren": e.partenaire.siren,
            "niveaux": " ; ".join(_chemin(o) for o in e.dispositif.objectifs.all()),
            "dispositif_code": e.dispositif.code,
            "dispositif": e.dispositif.libelle,
            "annee": e.annee,
            "montant_prevu": e.montant_annuel,
            "montant_realise": realisation.montant_realise if realisation is not None else None,
            "quartiers": " ; ".join(q.code or q.nom for q in e.dispositif.quartiers.all()),
            "qpv": " ; ".join(sorted({q.qpv.code for q in e.dispositif.quartiers.all() if q.qpv_id})),
        }


def _cellule(valeur):
    return "" if valeur is None else texte_sur(str(valeur))


def ecrire_csv(contrat, sortie):
    """Writes the CSV row by row into the text file `sortie`."""
    _ecrire_csv(lignes(contrat), sortie)


def _ecrire_csv(rangs, sortie):
    ecrivain = csv.writer(sortie, lineterminator="\n")
    noms = champs()
    ecrivain.writerow(noms)
    for ligne in rangs:
        ecrivain.writerow([_cellule(ligne[n]) for n in noms])


def _json(valeur):
    # A Decimal is written as the number it holds, digit for digit (json would go through a float).
    if valeur is None or isinstance(valeur, (str, int)):
        return json.dumps(valeur, ensure_ascii=False)
    return format(valeur, "f")


def ecrire_json(contrat, schema, sortie):
    """{"schema": <its URL>, "contrat": <slug>, "engagements": [one object per row]}, written row by row
    into the text file `sortie`."""
    _ecrire_json({"schema": schema, "contrat": contrat.slug}, lignes(contrat), sortie)


def _ecrire_json(entete, rangs, sortie):
    noms = champs()
    sortie.write("{" + "".join(f"{json.dumps(k)}: {json.dumps(v)}, " for k, v in entete.items()) + '"engagements": [\n')
    for i, ligne in enumerate(rangs):
        sortie.write((",\n" if i else "") + "{" + ", ".join(f"{json.dumps(n)}: {_json(ligne[n])}" for n in noms) + "}")
    sortie.write("\n]}\n")


def fichier_de_la_region(contrats, region, format, schema):
    """The published contracts of a région in one file of the same Table Schema, contract after contract (each
    read 2 000 lines at a time), written to a temporary file returned open at its start."""
    contrats = list(contrats)
    brut = tempfile.TemporaryFile("w+b")
    texte = io.TextIOWrapper(brut, encoding="utf-8", newline="")
    rangs = (ligne for contrat in contrats for ligne in lignes(contrat))
    if format == "csv":
        texte.write("\ufeff")
        _ecrire_csv(rangs, texte)
    else:
        _ecrire_json({"schema": schema, "region": region, "contrats": [c.slug for c in contrats]}, rangs, texte)
    texte.flush()
    texte.detach()
    brut.seek(0)
    return brut


def empreinte(contrat, format, schema):
    """The hash of what the file of this contract would say, read from the rows' versions and the few
    values no version follows (shared organisations and quartiers): every write of the write service
    moves a version, so an unchanged hash means an unchanged file — without writing the file. A few
    narrow columns of the contract's rows, hashed as they stream from the database."""
    h = hashlib.sha256()

    def ajouter(rangs):
        for rang in rangs:
            h.update(repr(rang).encode())
        h.update(b"|")

    ajouter([format, schema, contrat.pk, contrat.slug, contrat.nom, contrat.version, SCHEMA.read_bytes()])
    lignes_ = Estimation.objects.filter(contrat=contrat).order_by("pk")
    ajouter(
        lignes_.values_list(
            "pk", "version", "dispositif_id", "partenaire_id", "annee", "montant_annuel", "realisation__version"
        ).iterator(chunk_size=5000)
    )
    dispositifs = Dispositif.objects.filter(contrat=contrat)
    ajouter(dispositifs.order_by("pk").values_list("pk", "version", "archive").iterator(chunk_size=5000))
    ajouter(
        Dispositif.objectifs.through.objects.filter(dispositif__contrat=contrat)
        .order_by("pk")
        .values_list("dispositif_id", "objectif_id")
        .iterator(chunk_size=5000)
    )
    ajouter(
        Objectif.objects.filter(orientation__pilier__contrat=contrat)
        .order_by("pk")
        .values_list("pk", "version", "orientation__version", "orientation__pilier__version")
    )
    ajouter(
        Dispositif.quartiers.through.objects.filter(dispositif__contrat=contrat)
        .order_by("pk")
        .values_list("dispositif_id", "quartier_id")
    )
    ajouter(
        Quartier.objects.filter(dispositifs__contrat=contrat)
        .distinct()
        .order_by("pk")
        .values_list("pk", "code", "nom", "qpv__code")
    )
    ajouter(
        # The ids first, from the contract's range of the index: as a subquery, PostgreSQL probed each
        # organisation's lines of every contract instead (80 ms at 10 contracts).
        Partenaire.objects.filter(pk__in=set(lignes_.order_by().values_list("partenaire", flat=True).distinct()))
        .order_by("pk")
        .values_list("pk", "slug", "nom", "siren")
    )
    return h.hexdigest()


TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def garde(contrat, format, schema):
    """The kept file of this contract's open data as they are now (an `Export`): the one made before
    while the hash is unchanged, else a new one written row by row to a temporary file (constant
    memory), kept, and the older file of the same contract and format removed."""
    from django.core.files import File
    from django.db import IntegrityError, transaction

    from .models import Export

    cle = empreinte(contrat, format, schema)
    deja = Export.objects.filter(cle=cle).first()
    if deja is not None:
        if deja.fichier and deja.fichier.storage.exists(deja.fichier.name):
            return deja
        deja.delete()  # its file went missing: made again below
    sujet = hashlib.sha256(repr(["donnees", format, contrat.pk, schema]).encode()).hexdigest()
    with tempfile.TemporaryFile("w+b") as brut:
        texte = io.TextIOWrapper(brut, encoding="utf-8", newline="")
        if format == "csv":
            texte.write("\ufeff")  # the byte-order mark makes Excel read the file as UTF-8
            ecrire_csv(contrat, texte)
        else:
            ecrire_json(contrat, schema, texte)
        texte.flush()
        brut.seek(0)
        try:
            with transaction.atomic():
                export = Export.objects.create(
                    cle=cle,
                    sujet=sujet,
                    nature=f"donnees_{format}",
                    contrat=contrat,
                    parametres={"schema": schema},
                    nom_fichier=f"engagements-{contrat.slug}.{format}",
                    statut=Export.Statut.PRET,
                )
                export.fichier.save(f"{cle}.{format}", File(brut), save=False)
                export.save(update_fields=["fichier"])
        except IntegrityError:  # made at the same instant by another request: that one is served
            return Export.objects.get(cle=cle)
        texte.detach()
    for ancien in Export.objects.filter(sujet=sujet).exclude(pk=export.pk):
        ancien.fichier.delete(save=False)
        ancien.delete()
    return export
