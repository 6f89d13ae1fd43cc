"""The synthèse of a year as a page, a PDF and a workbook, all three drawn from one `Synthese`."""

from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone

from contrat.models import Contrat
from noyau import telechargements
from noyau.classeurs import Colonne, classeur_plat
from noyau.graphiques import paires
from noyau.pdf import html_en_pdf

from ..collectes import annees_du_contrat
from ..synthese import Synthese, piliers_par_annee


def _synthese(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    annees = annees_du_contrat(contrat)
    defaut = annees[-1] if annees else contrat.annee_debut
    try:
        annee = int(request.GET.get("annee") or defaut)
    except ValueError:
        annee = defaut
    if annee not in annees:
        annee = defaut
    return Synthese(contrat, annee), annees


def page(request, slug):
    synthese, annees = _synthese(request, slug)
    # Each pilier over the years, one chart each (the page only: the PDF and workbook are the year's).
    par_pilier = piliers_par_annee(synthese.contrat)
    echelle = [m for _, rangs in par_pilier for _, t in rangs for m in (t.prevu, t.realise)]  # one scale for all
    evolution = [
        (pilier, paires([(str(annee), t.prevu, t.realise, t) for annee, t in rangs], echelle=echelle))
        for pilier, rangs in par_pilier
    ]
    return render(
        request,
        "engagements/synthese.html",
        {"synthese": synthese, "contrat": synthese.contrat, "annees": annees, "evolution": evolution},
    )


def _nom(synthese, extension):
    return f"synthese-{synthese.contrat.slug}-{synthese.annee}.{extension}"


def pdf(request, slug):
    synthese, _ = _synthese(request, slug)
    html = render_to_string("engagements/synthese_pdf.html", {"synthese": synthese, "edition": timezone.localdate()})
    return telechargements.pdf(html_en_pdf(html), _nom(synthese, "pdf"))


def xlsx(request, slug):
    synthese, _ = _synthese(request, slug)
    colonnes = [
        Colonne("Partenaire", 40),
        *(Colonne(c, 22, "montant") for c in synthese.colonnes),
        Colonne(f"Total {synthese.annee}", 20, "montant"),
        Colonne("Contribution", 24),
    ]
    lignes = [
        [ligne.recap.partenaire.nom, *ligne.montants, ligne.total, ligne.recap.situation] for ligne in synthese.lignes
    ]
    lignes.append(["Total", *synthese.totaux, synthese.total, ""])
    # Read by quartier: a line counts in each quartier its dispositif targets, so this sheet has no total.
    par_quartier = [
        Colonne("Quartier", 40),
        Colonne("Lignes", 10, "nombre"),
        Colonne(f"Prévu {synthese.annee}", 20, "montant"),
    ]
    if synthese.achevee:
        par_quartier += [
            Colonne(f"Réalisé {synthese.annee}", 20, "montant"),
            Colonne("Lignes au réalisé inconnu", 14, "nombre"),
        ]
    quartiers = [
        [
            rang.libelle,
            rang.lignes,
            rang.taux.prevu,
            *((rang.taux.realise, rang.taux.inconnus) if synthese.achevee else ()),
        ]
        for rang in synthese.quartiers
    ]
    contenu = classeur_plat(
        (f"Synthèse {synthese.annee}", colonnes, lignes), ("Par quartier", par_quartier, quartiers), filtre=False
    )
    return telechargements.xlsx(contenu, _nom(synthese, "xlsx"))
