"""The synthèse of a year: partners × piliers, annual amounts, totals and where each contribution
stands — as a page, a PDF and a workbook, all three drawn from one `Synthese` object."""

import io
from dataclasses import dataclass

from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook

from contrat.models import Contrat, Pilier, Quartier
from noyau import telechargements
from noyau.classeurs import cellule_montant, cellule_texte, feuille_avec_entetes
from noyau.graphiques import paires
from noyau.pdf import html_en_pdf

from .annexe import Annexe, somme
from .models import Contribution, Dispositif, Estimation, Nature, realisation_de, taux
from .tableau_de_bord import annees_du_contrat


@dataclass
class LigneSynthese:
    recap: object  # PartenaireAnnexe
    montants: list  # per column, None when unknown or nothing

    @property
    def total(self):
        return self.recap.total_annuel


@dataclass
class LigneBilan:
    """A partner's planned and done amounts for a year over, and where its bilan stands."""

    partenaire: object
    taux: object  # bilan.Taux
    contribution: Contribution | None
    rapportees: int  # lines that say what they did (an amount, or a remark on an unknown one)

    @property
    def situation(self):
        if self.contribution is None or self.contribution.statut == Contribution.Statut.BROUILLON:
            return "Bilan en cours de saisie" if self.rapportees else "Bilan non commencé"
        return f"Bilan {self.contribution.get_statut_display().lower()}"


@dataclass
class LigneQuartier:
    libelle: str
    lignes: int
    taux: object  # models.Taux: planned, done (the year over) and the rate


def par_quartier(contrat, annee):
    """The year's lines read by quartier: a line counts in every quartier its dispositif targets (so
    the rows do not add up when a dispositif targets several); those targeting none, last. Three
    queries joined on the contract, never a list of ids (a contract may hold thousands of lines)."""
    cibles = {}
    for dispositif_id, quartier_id in Dispositif.quartiers.through.objects.filter(
        dispositif__contrat=contrat
    ).values_list("dispositif_id", "quartier_id"):
        cibles.setdefault(dispositif_id, []).append(quartier_id)
    quartiers = {q.pk: q for q in Quartier.objects.filter(dispositifs__contrat=contrat).distinct()}
    groupes, sans = {}, []
    for e in Estimation.objects.filter(
        dispositif__contrat=contrat, dispositif__archive=False, annee=annee
    ).select_related("realisation"):
        for pk in cibles.get(e.dispositif_id, ()):
            groupes.setdefault(quartiers[pk], []).append(e)
        if e.dispositif_id not in cibles:
            sans.append(e)
    rangs = [
        LigneQuartier(q.nom, len(lignes), taux(lignes)) for q, lignes in sorted(groupes.items(), key=lambda i: i[0].nom)
    ]
    if sans:
        rangs.append(LigneQuartier("Sans quartier ciblé", len(sans), taux(sans)))
    return rangs


def piliers_par_annee(contrat, jour=None):
    """Planned and done by pilier over the contract's years over: [(pilier, [(year, Taux)])]. A line
    counts in each pilier its dispositif's objectifs serve; the years without a line are left out.
    Three queries joined on the contract, whatever its size."""
    jour = jour or timezone.localdate()
    piliers = {p.pk: p for p in Pilier.objects.filter(contrat=contrat).select_related("contrat")}
    servis = {}
    for dispositif_id, pilier_id in (
        Dispositif.objectifs.through.objects.filter(dispositif__contrat=contrat)
        .values_list("dispositif_id", "objectif__orientation__pilier_id")
        .distinct()
    ):
        servis.setdefault(dispositif_id, set()).add(pilier_id)
    groupes = {}
    for e in Estimation.objects.filter(
        dispositif__contrat=contrat, dispositif__archive=False, annee__lt=jour.year
    ).select_related("realisation"):
        for pk in servis.get(e.dispositif_id, ()):
            groupes.setdefault(pk, {}).setdefault(e.annee, []).append(e)
    return [
        (piliers[pk], [(annee, taux(lignes)) for annee, lignes in sorted(groupes[pk].items())])
        for pk in sorted(groupes, key=lambda pk: (piliers[pk].ordre, pk))
    ]


class Synthese:
    def __init__(self, contrat, annee):
        self.contrat, self.annee = contrat, annee
        annexe = Annexe(contrat, annee)
        self.annexe = annexe
        colonnes = [(b.pilier.libelle, b.lignes) for b in annexe.piliers]
        if annexe.hors_pilier:
            colonnes.append(("Hors pilier", annexe.hors_pilier))
        self.colonnes = [libelle for libelle, _ in colonnes]
        self.lignes = []
        for recap in annexe.recapitulatif:
            montants = [
                somme(e.montant_annuel for e in lignes if e.partenaire_id == recap.partenaire.pk)
                for _, lignes in colonnes
            ]
            self.lignes.append(LigneSynthese(recap, montants))
        self.totaux = [somme(e.montant_annuel for e in lignes) for _, lignes in colonnes]
        self.total = annexe.total_annuel
        self.quartiers = par_quartier(contrat, annee)
        # The year over: planned, done and the rate, partner by partner (a done amount not known is not counted).
        self.bilan, self.bilan_total, self.bilan_piliers = [], None, []
        self.achevee = annee < timezone.localdate().year
        if self.achevee:
            par_partenaire = {}
            estimations = {
                e.pk: e
                for e in Estimation.objects.filter(
                    dispositif__contrat=contrat, dispositif__archive=False, annee=annee
                ).select_related("realisation", "partenaire")
            }
            for e in estimations.values():
                par_partenaire.setdefault(e.partenaire, []).append(e)
            # The same lines by pilier (the annexe's columns): planned and done per priority.
            self.bilan_piliers = [
                (libelle, taux(estimations[e.pk] for e in lignes if e.pk in estimations))
                for libelle, lignes in colonnes
            ]
            self.graphique_piliers = paires([(libelle, t.prevu, t.realise, t) for libelle, t in self.bilan_piliers])
            self.titre_graphique = f"Prévu et réalisé {annee} par pilier"
            bilans = {
                c.partenaire_id: c
                for c in Contribution.objects.filter(contrat=contrat, annee=annee, nature=Nature.BILAN)
            }
            self.bilan = [
                LigneBilan(p, taux(lignes), bilans.get(p.pk), sum(1 for e in lignes if realisation_de(e)))
                for p, lignes in sorted(par_partenaire.items(), key=lambda item: item[0].nom)
            ]
            self.bilan_total = taux(e for lignes in par_partenaire.values() for e in lignes)


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
    evolution = [
        (pilier, paires([(str(annee), t.prevu, t.realise, t) for annee, t in rangs]))
        for pilier, rangs in piliers_par_annee(synthese.contrat)
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
    wb = Workbook()
    colonnes = (
        [("Partenaire", 40)]
        + [(c, 22) for c in synthese.colonnes]
        + [(f"Total {synthese.annee}", 20), ("Contribution", 24)]
    )
    ws = feuille_avec_entetes(wb, f"Synthèse {synthese.annee}", colonnes)
    r = 1
    for r, ligne in enumerate(synthese.lignes, 2):
        cellule_texte(ws.cell(r, 1), ligne.recap.partenaire.nom)
        for c, montant in enumerate(ligne.montants, 2):
            cellule_montant(ws.cell(r, c), montant)
        cellule_montant(ws.cell(r, len(ligne.montants) + 2), ligne.total)
        cellule_texte(ws.cell(r, len(ligne.montants) + 3), ligne.recap.situation)
    r += 1
    cellule_texte(ws.cell(r, 1), "Total")
    for c, montant in enumerate(synthese.totaux, 2):
        cellule_montant(ws.cell(r, c), montant)
    cellule_montant(ws.cell(r, len(synthese.totaux) + 2), synthese.total)
    # Read by quartier: a line counts in each quartier its dispositif targets, so this sheet has no total.
    colonnes = [("Quartier", 40), ("Lignes", 10), (f"Prévu {synthese.annee}", 20)]
    if synthese.achevee:
        colonnes += [(f"Réalisé {synthese.annee}", 20), ("Lignes au réalisé inconnu", 14)]
    ws = feuille_avec_entetes(wb, "Par quartier", colonnes, nouvelle=True)
    for r, rang in enumerate(synthese.quartiers, 2):
        cellule_texte(ws.cell(r, 1), rang.libelle)
        ws.cell(r, 2, rang.lignes)
        cellule_montant(ws.cell(r, 3), rang.taux.prevu)
        if synthese.achevee:
            cellule_montant(ws.cell(r, 4), rang.taux.realise)
            ws.cell(r, 5, rang.taux.inconnus)
    sortie = io.BytesIO()
    wb.save(sortie)
    return telechargements.xlsx(sortie.getvalue(), _nom(synthese, "xlsx"))
