"""The yearly collection: a partner's contribution goes brouillon → soumis → validé, and back.

Every other write of this app goes through `noyau.versions` (compare-and-set, lock, history).
"""

from django.db import transaction

from noyau import historique, versions

from .models import Contribution


def archiver(user, dispositif, version_lue):
    dispositif.archive = True
    return versions.modifier(user, dispositif, version_lue)


def contribution(contrat, partenaire, annee):
    return Contribution.objects.filter(contrat=contrat, partenaire=partenaire, annee=annee).first() or Contribution(
        contrat=contrat, partenaire=partenaire, annee=annee
    )


TRANSITIONS = {
    # action: (states it starts from, state it leads to)
    "soumettre": ({Contribution.Statut.BROUILLON, Contribution.Statut.RENVOYE}, Contribution.Statut.SOUMIS),
    "valider": ({Contribution.Statut.SOUMIS}, Contribution.Statut.VALIDE),
    "renvoyer": ({Contribution.Statut.SOUMIS}, Contribution.Statut.RENVOYE),
    # Reopening a validated contribution unlocks its lines: the reason is kept in the history.
    "rouvrir": ({Contribution.Statut.VALIDE}, Contribution.Statut.RENVOYE),
}
AVEC_COMMENTAIRE = {"renvoyer", "rouvrir"}


class TransitionImpossible(Exception):
    pass


def changer_statut(user, contrat, partenaire, annee, action, commentaire="", *, source=versions.Source.FORMULAIRE):
    depart, arrivee = TRANSITIONS[action]
    with transaction.atomic():
        objet, _ = Contribution.objects.select_for_update().get_or_create(
            contrat=contrat, partenaire=partenaire, annee=annee
        )
        if objet.statut not in depart:
            raise TransitionImpossible(
                f"La contribution est « {objet.get_statut_display()} » : impossible de la {action}."
            )
        avant = historique.instantane(objet)
        objet.statut = arrivee
        objet.modifie_par = user
        if action in AVEC_COMMENTAIRE:
            objet.commentaire = commentaire
        elif action == "soumettre":
            objet.commentaire = ""
        objet.version += 1
        objet.save()
        versions.enregistrer(user, objet, avant, source=source, commentaire=commentaire)
    return objet
