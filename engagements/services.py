"""The yearly collection: a partner's contribution goes brouillon → soumis → validé, and back.

Every other write of this app goes through `noyau.versions` (compare-and-set, lock, history).
"""

from django.db import transaction

from noyau import historique, versions
from noyau.models import Historique

from . import collectes
from .models import Contribution, Estimation, Nature


def archiver(user, dispositif, version_lue):
    dispositif.archive = True
    return versions.modifier(user, dispositif, version_lue)


def contribution(contrat, partenaire, annee, nature=Nature.PREVISIONNEL):
    return Contribution.objects.filter(
        contrat=contrat, partenaire=partenaire, annee=annee, nature=nature
    ).first() or Contribution(contrat=contrat, partenaire=partenaire, annee=annee, nature=nature)


TRANSITIONS = {
    # action: (states it starts from, state it leads to)
    "soumettre": ({Contribution.Statut.BROUILLON, Contribution.Statut.RENVOYE}, Contribution.Statut.SOUMIS),
    "valider": ({Contribution.Statut.SOUMIS}, Contribution.Statut.VALIDE),
    "renvoyer": ({Contribution.Statut.SOUMIS}, Contribution.Statut.RENVOYE),
    # Reopening a validated contribution unlocks its lines: the reason is kept in the history.
    "rouvrir": ({Contribution.Statut.VALIDE}, Contribution.Statut.RENVOYE),
}
AVEC_COMMENTAIRE = {"renvoyer", "rouvrir"}


def realises_inconnus(contrat, partenaire, annee):
    """How many of the year's planned lines have no known realised amount."""
    return lignes_de(contrat, partenaire, annee).exclude(realisation__montant_realise__isnull=False).count()


def echanges(contribution):
    """The dated exchange between the chef de projet and the partner: each transition said with words (a
    send-back's reason, a reopening's, the agent's message with a submission), oldest first. Read from the
    history, where every transition writes its comment: a resubmission erases nothing of it."""
    if contribution.pk is None:
        return []
    entrees = Historique.objects.filter(objet="contribution", objet_id=contribution.pk).exclude(commentaire="")
    return [
        {
            "date": e.date,
            "par": e.user_nom,
            "quoi": _QUOI.get((e.apres or {}).get("statut"), ""),
            "texte": e.commentaire,
        }
        for e in entrees.order_by("date", "pk")
    ]


_QUOI = {
    Contribution.Statut.SOUMIS: "Soumission",
    Contribution.Statut.RENVOYE: "Renvoi",
    Contribution.Statut.VALIDE: "Validation",
}


class TransitionImpossible(Exception):
    pass


def lignes_de(contrat, partenaire, annee):
    return Estimation.objects.du_contrat(contrat).filter(partenaire=partenaire, annee=annee)


def changer_statut(
    user,
    contrat,
    partenaire,
    annee,
    action,
    commentaire="",
    *,
    source=versions.Source.FORMULAIRE,
    rien_a_declarer=False,
    nature=Nature.PREVISIONNEL,
    version_lue=None,
    inconnus_confirmes=False,
):
    """Moves the contribution and writes, in the same transaction, its history entry and the mail
    that announces it (sent once the transaction is committed). `version_lue`: the version the page
    showed; the contribution moved since (submitted, sent back, validated by someone else) → Conflit."""
    depart, arrivee = TRANSITIONS[action]
    with transaction.atomic():
        objet, _ = Contribution.objects.select_for_update().get_or_create(
            contrat=contrat, partenaire=partenaire, annee=annee, nature=nature
        )
        if version_lue is not None and objet.version != version_lue:
            raise versions.Conflit(objet)
        if objet.statut not in depart:
            quoi = "Le bilan est" if objet.bilan else "La contribution est"
            raise TransitionImpossible(
                f"{quoi} « {objet.get_statut_display()} » : impossible de {'le' if objet.bilan else 'la'} {action}."
            )
        if action == "soumettre" and objet.bilan:
            # A bilan reports on the year's planned lines: without any, there is nothing to report.
            if not lignes_de(contrat, partenaire, annee).exists():
                raise TransitionImpossible(
                    f"{partenaire.nom} n'a aucune ligne prévue en {annee} : il n'y a rien à dresser en bilan."
                )
            # Unknown amounts are allowed (unknown is not 0), but said and confirmed, never submitted unseen.
            inconnus = realises_inconnus(contrat, partenaire, annee)
            if inconnus and not inconnus_confirmes:
                total = lignes_de(contrat, partenaire, annee).count()
                raise TransitionImpossible(
                    f"{inconnus} ligne{'s' if inconnus > 1 else ''} sur {total} {'ont' if inconnus > 1 else 'a'} un "
                    "réalisé inconnu : complétez-les, ou cochez « Je soumets avec ces montants inconnus » pour "
                    "soumettre le bilan ainsi."
                )
        elif action == "soumettre":
            # An empty submission says so: "nothing this year" is an answer, silence is not.
            if lignes_de(contrat, partenaire, annee).exists():
                rien_a_declarer = False
            elif not rien_a_declarer:
                raise TransitionImpossible(
                    "Votre contribution n'a aucune ligne : ajoutez vos lignes, ou cochez « Rien à déclarer pour "
                    "cette année » pour la soumettre vide."
                )
        avant = historique.instantane(objet)
        objet.statut = arrivee
        objet.modifie_par = user
        if action in AVEC_COMMENTAIRE:
            objet.commentaire = commentaire
        elif action == "soumettre":
            objet.commentaire = ""
            objet.rien_a_declarer = rien_a_declarer
        objet.version += 1
        objet.save()
        versions.enregistrer(user, objet, avant, source=source, commentaire=commentaire)
        collectes.notifier(objet, action, user)
    return objet
