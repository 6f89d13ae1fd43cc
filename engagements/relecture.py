"""What the chef de projet reads before validating a contribution: each line with its objectifs, remark and
period, and what changed since the partner's previous submission and since the year before (amounts up or
down, lines added, lines removed). The previous submission's lines are read back from the history: the state
of each line at the moment of that submission."""

from dataclasses import dataclass, field
from decimal import Decimal

from noyau import historique
from noyau.models import Historique

from .models import Contribution, Dispositif, Estimation


@dataclass
class Ecart:
    """An amount now and then: None when either is unknown (an unknown amount is not 0)."""

    avant: Decimal | None
    apres: Decimal | None
    montant: bool = True  # an amount (printed in euros, with its difference); else a remark or a year

    @property
    def difference(self):
        if self.avant is None or self.apres is None:
            return None
        return self.apres - self.avant

    @property
    def change(self):
        return self.avant != self.apres


@dataclass
class LigneRelue:
    estimation: Estimation
    nouvelle_depuis_soumission: bool = False
    nouvelle_depuis_l_an_dernier: bool = False
    depuis_soumission: dict = field(default_factory=dict)  # {field label: Ecart} of what changed
    annuel_an_dernier: Ecart | None = None


@dataclass
class Relecture:
    lignes: list
    retirees: list  # [(dispositif label, snapshot)] of the lines the previous submission held, gone since
    soumise_le: object = None  # the previous submission's moment, None for a first submission
    annee_precedente: int | None = None
    lignes_an_dernier: bool = False  # the partner had lines the year before, to compare with

    @property
    def changements(self):
        """How many lines changed, were added or removed since the previous submission."""
        modifiees = sum(1 for ligne in self.lignes if ligne.depuis_soumission or ligne.nouvelle_depuis_soumission)
        return modifiees + len(self.retirees)


COMPARES = {
    "montant_annuel": "Montant annuel",
    "montant_pluriannuel": "Montant pluriannuel",
    "remarque_annuelle": "Remarque",
    "periode_debut": "Début de période",
    "periode_fin": "Fin de période",
}


def soumissions(contribution):
    """The moments the contribution was submitted, oldest first (from its history)."""
    if contribution.pk is None:
        return []
    entrees = Historique.objects.filter(objet="contribution", objet_id=contribution.pk).order_by("date", "pk")
    return [date for date, apres in entrees.values_list("date", "apres") if (apres or {}).get("statut") == "soumis"]


def lignes_au(contrat, partenaire, annee, moment):
    """{estimation pk: snapshot} of the partner's lines of the year as they stood at `moment`: the first change
    recorded after it holds the state before it; a line with no change since is as it is now."""
    actuelles = Estimation.objects.filter(contrat=contrat, partenaire=partenaire, annee=annee)
    etats = {e.pk: historique.instantane(e) for e in actuelles}
    vus = set()
    apres = Historique.objects.filter(contrat_id=contrat.pk, objet="estimation", date__gt=moment)
    for objet_id, avant in apres.order_by("date", "pk").values_list("objet_id", "avant"):
        if objet_id not in vus:
            vus.add(objet_id)
            etats[objet_id] = avant  # None: created after the moment
    return {
        pk: etat
        for pk, etat in etats.items()
        if etat and etat.get("partenaire_id") == partenaire.pk and etat.get("annee") == annee
    }


def _montant(valeur):
    return None if valeur in (None, "") else Decimal(str(valeur))


def _vide(valeur):
    """An empty remark is no remark; an amount of 0 stays 0 (it is not unknown)."""
    return None if valeur == "" else valeur


def relire(contribution, estimations):
    """The review of `contribution` (submitted) over its current lines `estimations` (dispositifs and objectifs
    loaded), in a few queries whatever their number."""
    contrat, partenaire, annee = contribution.contrat, contribution.partenaire, contribution.annee
    moments = soumissions(contribution)
    # The submission read now is the last one; the one before it is what the chef saw last time.
    precedente = moments[-2] if len(moments) >= 2 else None
    avant = lignes_au(contrat, partenaire, annee, precedente) if precedente else None
    an_dernier = {
        e.dispositif_id: e.montant_annuel
        for e in Estimation.objects.filter(contrat=contrat, partenaire=partenaire, annee=annee - 1)
    }
    lignes = []
    for estimation in estimations:
        ligne = LigneRelue(estimation)
        if avant is not None:
            etat = avant.get(estimation.pk)
            if etat is None:
                ligne.nouvelle_depuis_soumission = True
            else:
                for nom, libelle in COMPARES.items():
                    ancien, actuel = etat.get(nom), getattr(estimation, nom)
                    if nom.startswith("montant"):
                        ancien = _montant(ancien)
                    if _vide(ancien) != _vide(actuel):
                        ligne.depuis_soumission[libelle] = Ecart(ancien, actuel, nom.startswith("montant"))
        if estimation.dispositif_id in an_dernier:
            ligne.annuel_an_dernier = Ecart(an_dernier[estimation.dispositif_id], estimation.montant_annuel)
        else:
            ligne.nouvelle_depuis_l_an_dernier = bool(an_dernier) or contrat.annee_debut < annee
        lignes.append(ligne)
    retirees = []
    if avant is not None:
        actuels = {e.pk for e in estimations}
        partis = {pk: etat for pk, etat in avant.items() if pk not in actuels}
        noms = dict(
            Dispositif.objects.filter(pk__in={e.get("dispositif_id") for e in partis.values()}).values_list(
                "pk", "intitule"
            )
        )
        retirees = [(noms.get(etat.get("dispositif_id"), "Dispositif supprimé"), etat) for etat in partis.values()]
    return Relecture(lignes, retirees, precedente, annee - 1, bool(an_dernier))


def a_relire(contribution):
    return contribution.pk is not None and contribution.statut == Contribution.Statut.SOUMIS


def historique_de(contribution, nombre=50):
    """What the contribution's page shows of its history: its own transitions and the changes of its lines
    (created, changed, deleted: the partner's lines of that year, or what they realised for a bilan), newest
    first, as [(entry, changes)]."""
    from django.db.models import Q

    partenaire, annee = contribution.partenaire_id, contribution.annee
    if contribution.bilan:  # a realisation names its planned line, not its partner and year
        ids = list(
            Estimation.objects.filter(
                contrat_id=contribution.contrat_id, partenaire_id=partenaire, annee=annee
            ).values_list("pk", flat=True)
        )
        lignes = Q(objet="realisation") & (Q(apres__estimation_id__in=ids) | Q(avant__estimation_id__in=ids))
    else:
        lignes = Q(objet="estimation") & (
            Q(apres__partenaire_id=partenaire, apres__annee=annee)
            | Q(avant__partenaire_id=partenaire, avant__annee=annee)
        )
    propres = Q(objet="contribution", objet_id=contribution.pk) if contribution.pk else Q(pk__in=[])
    entrees = Historique.objects.filter(propres | Q(contrat_id=contribution.contrat_id) & lignes).select_related("user")
    return [(e, historique.changements(e)) for e in entrees.order_by("-date", "-pk")[:nombre]]
