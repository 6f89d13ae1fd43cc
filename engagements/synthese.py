"""The synthèse of a year: partners × piliers, annual amounts, totals and where each contribution
stands — as a page, a PDF and a workbook, all three drawn from one `Synthese` object."""

from dataclasses import dataclass

from django.utils import timezone

from contrat.models import Pilier, Quartier
from noyau.graphiques import paires

from .annexe import Annexe, somme
from .models import Contribution, Dispositif, Estimation, Nature, realisation_de, taux


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
    for e in Estimation.objects.du_contrat(contrat).filter(annee=annee).select_related("realisation"):
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


def premier_pilier(contrat):
    """{dispositif pk: pilier pk} under which each line counts: the first pilier, in the tree's order, of the
    objectifs its dispositif serves — where the signed annexe prints it, once. The one rule of every table,
    chart, PDF and workbook for a line serving several piliers."""
    premier = {}
    for dispositif_id, pilier_id, *rang in Dispositif.objectifs.through.objects.filter(
        dispositif__contrat=contrat
    ).values_list(
        "dispositif_id",
        "objectif__orientation__pilier_id",
        "objectif__orientation__pilier__ordre",
        "objectif__orientation__ordre",
        "objectif__ordre",
    ):
        if dispositif_id not in premier or tuple(rang) < premier[dispositif_id][0]:
            premier[dispositif_id] = (tuple(rang), pilier_id)
    return {dispositif_id: pilier_id for dispositif_id, (_, pilier_id) in premier.items()}


def piliers_par_annee(contrat, jour=None):
    """Planned and done by pilier over the contract's years over: [(pilier, [(year, Taux)])]. A line
    counts in the first pilier its dispositif's objectifs serve (`premier_pilier`), as in the annexe; the
    years without a line are left out. Three queries joined on the contract, whatever its size."""
    jour = jour or timezone.localdate()
    piliers = {p.pk: p for p in Pilier.objects.filter(contrat=contrat).select_related("contrat")}
    servi = premier_pilier(contrat)
    groupes = {}
    for e in Estimation.objects.du_contrat(contrat).filter(annee__lt=jour.year).select_related("realisation"):
        if e.dispositif_id in servi:
            groupes.setdefault(servi[e.dispositif_id], {}).setdefault(e.annee, []).append(e)
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
                for e in Estimation.objects.du_contrat(contrat)
                .filter(annee=annee)
                .select_related("realisation", "partenaire")
            }
            for e in estimations.values():
                par_partenaire.setdefault(e.partenaire, []).append(e)
            # The same lines by pilier (the annexe's columns): planned and done per priority.
            self.bilan_piliers = [
                (libelle, taux(estimations[e.pk] for e in lignes if e.pk in estimations))
                for libelle, lignes in colonnes
            ]
            self.graphique_piliers = paires([(libelle, t.prevu, t.realise, t) for libelle, t in self.bilan_piliers])
            self.titre_graphique = f"Prévu et réalisé {annee} par {contrat.niveau_1.lower()}"
            bilans = {
                c.partenaire_id: c
                for c in Contribution.objects.filter(contrat=contrat, annee=annee, nature=Nature.BILAN)
            }
            self.bilan = [
                LigneBilan(p, taux(lignes), bilans.get(p.pk), sum(1 for e in lignes if realisation_de(e)))
                for p, lignes in sorted(par_partenaire.items(), key=lambda item: item[0].nom)
            ]
            self.bilan_total = taux(e for lignes in par_partenaire.values() for e in lignes)
