"""The chef de projet's dashboard of the yearly collection."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.shortcuts import get_object_or_404, render

from contrat import permissions
from contrat.models import Contrat
from noyau.models import Historique

from .annexe import Annexe, somme
from .models import Contribution, Estimation


@dataclass
class Barre:
    libelle: str
    montant: Decimal | None
    largeur: int = 0  # in SVG units
    y: int = 0


def graphique(barres, largeur=480, pas=28):
    """Lays horizontal bars out; the template draws them as SVG, readable without JavaScript."""
    maximum = max((b.montant for b in barres if b.montant), default=None)
    for i, barre in enumerate(barres):
        barre.y = i * pas
        barre.largeur = int(largeur * barre.montant / maximum) if maximum and barre.montant else 0
    return {"barres": barres, "hauteur": max(len(barres) * pas, pas), "largeur": largeur}


def tableau_de_bord(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    if not permissions.peut_piloter(request.user, contrat):
        raise PermissionDenied("Le tableau de bord est réservé au chef de projet du contrat.")
    annees = list(Estimation.objects.filter(dispositif__contrat=contrat).order_by("annee")
                  .values_list("annee", flat=True).distinct())
    try:
        annee = int(request.GET.get("annee") or (annees[-1] if annees else contrat.annee_debut))
    except ValueError:
        annee = annees[-1] if annees else contrat.annee_debut
    annexe = Annexe(contrat, annee)
    statuts = {c.partenaire_id: c for c in Contribution.objects.filter(contrat=contrat, annee=annee)}
    mises_a_jour = dict(
        Historique.objects.filter(contrat_id=contrat.pk, objet=Estimation.suivi.nature)
        .order_by()  # the default ordering would split the GROUP BY
        .values("dossier").annotate(m=Max("date")).values_list("dossier", "m")
    )
    par_partenaire = {}
    for estimation in annexe.estimations:
        par_partenaire.setdefault(estimation.partenaire, []).append(estimation)
    lignes = []
    for partenaire, estimations in sorted(par_partenaire.items(), key=lambda kv: kv[0].nom):
        contribution = statuts.get(partenaire.pk)
        statut = contribution.statut if contribution else Contribution.Statut.BROUILLON
        dates = [mises_a_jour[d] for d in (f"dispositif:{e.dispositif_id}" for e in estimations) if d in mises_a_jour]
        lignes.append({
            "partenaire": partenaire,
            "statut": statut,
            "statut_libelle": Contribution.Statut(statut).label,
            "saisies": len(estimations),
            "soumises": len(estimations) if statut in (Contribution.Statut.SOUMIS, Contribution.Statut.VALIDE) else 0,
            "validees": len(estimations) if statut == Contribution.Statut.VALIDE else 0,
            "total_annuel": somme(e.montant_annuel for e in estimations),
            "total_pluriannuel": somme(e.montant_pluriannuel for e in estimations),
            "mise_a_jour": max(dates) if dates else (contribution.modifie_le if contribution else None),
        })
    par_pilier = [Barre(b.pilier.libelle, b.total_annuel) for b in annexe.piliers]
    if annexe.hors_pilier:
        par_pilier.append(Barre("Hors pilier", somme(e.montant_annuel for e in annexe.hors_pilier)))
    ctx = {
        "contrat": contrat, "annee": annee, "annees": annees, "lignes": lignes, "annexe": annexe,
        "graphique_piliers": graphique(par_pilier),
        "graphique_partenaires": graphique([Barre(l["partenaire"].sigle, l["total_annuel"]) for l in lignes]),
    }
    return render(request, "engagements/tableau_de_bord.html", ctx)
