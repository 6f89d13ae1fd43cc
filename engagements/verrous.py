"""The one lock rule: a submitted or validated contribution closes every line of that partner,
contract and year — its estimates, the dispositifs that carry them (their fields, their objectifs,
their archive), the objectifs (and their orientations and piliers) those serve, and the partner's
annexe document of the year — on every route: what the chef de projet reads is what he validates.
He sends a submitted contribution back (« Renvoyer ») or reopens a validated one (« Rouvrir ») to
have it changed. A submitted or validated *bilan* closes, the same way, what those lines actually
mobilised (`Realisation`).

`raison(objet)` answers "is this locked" for all of them; the write service asks it inside
its transaction, on the row as it is and as it would be. Reopening the contribution (the
chef de projet, with a comment) unlocks them.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from contrat.models import Objectif, Orientation, Pilier

from .models import AnnexeFinanciere, Contribution, Dispositif, Estimation, Nature, Realisation

CLOSES = (Contribution.Statut.SOUMIS, Contribution.Statut.VALIDE)  # what closes the partner's own lines


def _qui_ferment(contrat_id, nature=Nature.PREVISIONNEL, statuts=CLOSES, archives=False, **lignes):
    """The submitted or validated (or `statuts`) contributions of the contract holding the estimates `lignes`."""
    qs = Contribution.objects.filter(contrat_id=contrat_id, statut__in=statuts, nature=nature)
    if lignes:
        qs = qs.filter(
            Exists(
                Estimation.objects.filter(
                    contrat_id=contrat_id,
                    **({} if archives else {"dispositif__archive": False}),
                    partenaire=OuterRef("partenaire"),
                    annee=OuterRef("annee"),
                    **lignes,
                )
            )
        )
    if transaction.get_connection().in_atomic_block:
        # Inside a write: the contribution's row is held, so a validation waits for this write to end.
        qs = qs.select_for_update(of=("self",))
    return qs.order_by("annee", "pk")


def _cle(estimation):
    """(contract, partner, year) of an estimate, saved or not; None while incomplete."""
    cache = estimation._state.fields_cache
    dispositif = estimation.dispositif if estimation.dispositif_id or "dispositif" in cache else None
    if estimation.partenaire_id is None or estimation.annee is None or dispositif is None:
        return None
    return dispositif.contrat_id, estimation.partenaire_id, estimation.annee


def contribution_qui_verrouille(objet):
    """The submitted or validated contribution that holds this object, or None."""
    if isinstance(objet, Realisation):
        cle = _cle(objet.estimation) if objet.estimation_id else None
        if cle is None:
            return None
        return _qui_ferment(cle[0], Nature.BILAN).filter(partenaire_id=cle[1], annee=cle[2]).first()
    if isinstance(objet, Estimation):
        cle = _cle(objet)
        if cle is None:
            return None
        return _qui_ferment(cle[0]).filter(partenaire_id=cle[1], annee=cle[2]).first()
    if isinstance(objet, AnnexeFinanciere):
        if objet.partenaire_id is None:
            return None
        return _qui_ferment(objet.contrat_id).filter(partenaire_id=objet.partenaire_id, annee=objet.annee).first()
    if objet.pk is None:
        return None  # a new dispositif or objectif holds no line yet
    if isinstance(objet, Dispositif):
        # Archived lines count: bringing the dispositif back would put them back in the annexe.
        return _qui_ferment(objet.contrat_id, archives=True, dispositif_id=objet.pk).first()
    if isinstance(objet, Objectif):
        return _qui_ferment(objet.orientation.pilier.contrat_id, dispositif__objectifs=objet.pk).first()
    if isinstance(objet, Orientation):
        return _qui_ferment(objet.pilier.contrat_id, dispositif__objectifs__orientation=objet.pk).first()
    if isinstance(objet, Pilier):
        return _qui_ferment(objet.contrat_id, dispositif__objectifs__orientation__pilier=objet.pk).first()
    return None


def message(contribution):
    quoi = f"Le bilan {contribution.annee}" if contribution.bilan else f"La contribution {contribution.annee}"
    if contribution.statut == Contribution.Statut.SOUMIS:
        return (
            f"{quoi} de {contribution.partenaire.nom} au contrat « {contribution.contrat.nom} » est "
            f"soumis{'' if contribution.bilan else 'e'} au chef de projet : ses lignes ne peuvent plus être modifiées "
            f"pendant qu'il {'le' if contribution.bilan else 'la'} relit. Pour les corriger, le chef de projet "
            f"{'le' if contribution.bilan else 'la'} renvoie d'abord (bouton « Renvoyer »)."
        )
    return (
        f"{quoi} de {contribution.partenaire.nom} au contrat « {contribution.contrat.nom} » "
        f"est validé{'' if contribution.bilan else 'e'} : ses lignes ne peuvent plus être modifiées. Pour les "
        "corriger, "
        f"le chef de projet {'le' if contribution.bilan else 'la'} rouvre d'abord (page de la contribution, bouton "
        f"« Rouvrir{' le bilan' if contribution.bilan else ' la contribution'} »)."
    )


def raison(objet):
    contribution = contribution_qui_verrouille(objet)
    return message(contribution) if contribution else None


def raison_des_estimations(estimations, nature=Nature.PREVISIONNEL):
    """The same rule for many estimates (an import): one query, whatever their number."""
    cles = set(filter(None, map(_cle, estimations)))
    if not cles:
        return None
    contrats, partenaires, annees = ({c[i] for c in cles} for i in range(3))
    candidates = Contribution.objects.filter(
        contrat_id__in=contrats,
        partenaire_id__in=partenaires,
        annee__in=annees,
        statut__in=CLOSES,
        nature=nature,
    ).order_by("annee", "pk")
    if transaction.get_connection().in_atomic_block:
        candidates = candidates.select_for_update(of=("self",))
    contribution = next((c for c in candidates if (c.contrat_id, c.partenaire_id, c.annee) in cles), None)
    return message(contribution) if contribution else None


def _estimations_de(realisations):
    """The lines of these realisations with their dispositif, in one query (a grid holds thousands)."""
    ids = {r.estimation_id for r in realisations if r.estimation_id}
    return list(Estimation.objects.filter(pk__in=ids).select_related("dispositif")) if ids else []


def raison_des_realisations(realisations):
    """The bilan's lock for many rows (the bilan grid): two queries, whatever their number."""
    return raison_des_estimations(_estimations_de(realisations), Nature.BILAN)


MODELES = (Pilier, Orientation, Objectif, Dispositif, Estimation, AnnexeFinanciere, Realisation)


def hors_periode(estimation):
    """The bound of every route: an estimate belongs to a year of its contract (the form, the import
    and the service say it in the same words)."""
    if estimation.annee is None:
        return None
    contrat = estimation.dispositif.contrat
    debut, fin = contrat.annee_debut, contrat.annee_fin_effective
    if not debut <= estimation.annee <= fin:
        return f"L'année {estimation.annee} est hors de la période du contrat ({debut}-{fin})."
    return None


def _annee_non_achevee(annee, aujourd_hui=None):
    jour = aujourd_hui or timezone.localdate()
    if annee >= jour.year:
        return (
            f"L'année {annee} n'est pas achevée : son bilan (ce qui a été réalisé) se dresse à partir de {annee + 1}."
        )
    return None


def annee_non_achevee(realisation, aujourd_hui=None):
    """What was done in a year is reported once the year is over, on every route."""
    return _annee_non_achevee(realisation.estimation.annee, aujourd_hui)


def annees_non_achevees(realisations):
    """The same rule for many rows (the bilan grid): one query."""
    annees = {e.annee for e in _estimations_de(realisations)}
    return _annee_non_achevee(max(annees)) if annees else None
