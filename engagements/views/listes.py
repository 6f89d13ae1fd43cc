"""The lists of dispositifs and estimates: restricted queryset → filterset → table → page or export."""

import csv
import io
from decimal import Decimal

from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import render

from contrat.models import Contrat
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


PAR_PAGE_CONTRATS = 20


def _par_contrat(request, nom, table):
    """Without a contract chosen, the list starts from the contracts the user sees: 20 a page (``?contrats=``),
    each with its filtered rows counted (and summed) in one aggregate of those 20 only; the rows listed are
    those of the first of them. A national partner's agent sees hundreds of contracts: no query reads the
    rows of the contracts the page does not show."""
    page = pagination.page(
        request, Contrat.objects.visible_to(request.user).order_by("nom", "pk"), PAR_PAGE_CONTRATS, "contrats"
    )
    contrats = list(page)
    modele = table.data.data.model
    sommes = {"n": Count("pk")}
    if nom == "estimations":
        sommes.update(annuel=Sum("montant_annuel"), pluriannuel=Sum("montant_pluriannuel"))
    # Each row once (a filter on the tree joins a row to each of its objectifs), these contracts only.
    # The dispositif's contract said too (Estimation.objects.du_contrat): the text search then reads the
    # dispositifs of these contracts alone.
    ici = {"contrat__in": contrats} | ({"dispositif__contrat__in": contrats} if nom == "estimations" else {})
    lignes = modele.objects.filter(pk__in=table.data.data.filter(**ici).values("pk"))
    comptes = {r.pop("contrat"): r for r in lignes.order_by().values("contrat").annotate(**sommes)}
    vide = {"n": 0, "annuel": None, "pluriannuel": None}
    resume = [(c, {**vide, **comptes.get(c.pk, {})}) for c in contrats]
    courant = next((c for c, r in resume if r["n"]), contrats[0] if contrats else None)
    return page, resume, courant


def _liste(request, nom):
    table_class = LISTES[nom][3]
    titre, filtre, table = _filtrer(request, nom)
    choisi = filtre.form.cleaned_data.get("contrat") if filtre.is_bound and filtre.is_valid() else None
    par_contrat = None
    if choisi is None and not (filtre.is_bound and not filtre.is_valid()):
        page, resume, courant = _par_contrat(request, nom, table)
        lignes = table.data.data
        ici = {"contrat": courant} | ({"dispositif__contrat": courant} if nom == "estimations" else {})
        table = table_class(lignes.filter(**ici) if courant else lignes.none())
        par_contrat = {"page": page, "resume": resume, "courant": courant}
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
        "par_contrat": par_contrat,
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
