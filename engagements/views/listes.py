"""The lists of dispositifs and estimates: restricted queryset → filterset → table → page or export."""

import csv
import io
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import render

from noyau import filtres, pagination, telechargements
from noyau.classeurs import Colonne, classeur_plat, texte_sur

from ..filters import DispositifFilter, EstimationFilter
from ..models import Dispositif, Estimation
from ..tables import DispositifTable, EstimationTable

LISTES = {
    "dispositifs": (
        "Dispositifs",
        lambda user: (
            Dispositif.objects.visible_to(user)
            .actifs()
            .select_related("contrat", "partenaire")
            .prefetch_related("objectifs")
        ),
        DispositifFilter,
        DispositifTable,
    ),
    "estimations": (
        "Estimations financières",
        lambda user: (
            Estimation.objects.visible_to(user)
            .filter(dispositif__archive=False)
            .select_related("dispositif__contrat", "partenaire")
        ),
        EstimationFilter,
        EstimationTable,
    ),
}


def _filtrer(request, nom):
    titre, queryset, filterset_class, table_class = LISTES[nom]
    lignes = queryset(request.user)
    filtre = filterset_class(request.GET or None, queryset=lignes, user=request.user)
    if filtre.is_bound:
        # Invalid filters show their errors and no rows, never all of them.
        lignes = filtre.qs if filtre.is_valid() else lignes.none()
    return titre, filtre, table_class(lignes)


def _liste(request, nom):
    titre, filtre, table = _filtrer(request, nom)
    if hasattr(table, "resume"):
        table.resume()  # the count and the totals in one read, before the paginator asks for the count
    pagination.configurer(request, table, 25)
    ctx = {
        "titre": titre,
        "filtre": filtre,
        "table": table,
        "nom": nom,
        "query": request.GET.urlencode(),
        "actifs": filtres.actifs(filtre, request.GET),
    }
    return render(
        request, "engagements/liste.html", ctx, status=400 if filtre.is_bound and not filtre.is_valid() else 200
    )


def dispositifs(request):
    return _liste(request, "dispositifs")


def estimations(request):
    return _liste(request, "estimations")


def _nature(valeurs):
    """How a column of a list is written in a workbook, read from its first known value."""
    valeur = next((v for v in valeurs if v not in (None, "")), None)
    if isinstance(valeur, Decimal):
        return "montant"
    if isinstance(valeur, int) and not isinstance(valeur, bool):
        return "nombre"
    return "texte"


def exporter(table, format, nom):
    lignes = list(table.as_values())
    if format == "csv":
        sortie = io.StringIO()
        ecrivain = csv.writer(sortie, delimiter=";")
        for ligne in lignes:
            ecrivain.writerow([str(v).replace(".", ",") if isinstance(v, Decimal) else texte_sur(v) for v in ligne])
        return telechargements.csv(sortie.getvalue(), f"{nom}.csv")
    if format == "xlsx":
        # An amount in euros (cents only where it has some), a year as a number, the rest as text.
        colonnes = [
            Colonne(str(entete), 28, _nature([ligne[c] for ligne in lignes[1:]])) for c, entete in enumerate(lignes[0])
        ]
        return telechargements.xlsx(classeur_plat((nom.capitalize(), colonnes, lignes[1:])), f"{nom}.xlsx")
    raise Http404("Format d'export inconnu : csv ou xlsx.")


def _export(request, nom, format):
    if format not in ("csv", "xlsx"):
        raise Http404("Format d'export inconnu : csv ou xlsx.")
    titre, filtre, table = _filtrer(request, nom)
    if filtre.is_bound and not filtre.is_valid():
        return HttpResponse(
            "Filtres invalides : " + " ".join(str(e) for errs in filtre.errors.values() for e in errs),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return exporter(table, format, nom)


def dispositifs_export(request, format):
    return _export(request, "dispositifs", format)


def estimations_export(request, format):
    return _export(request, "estimations", format)
