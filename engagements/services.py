"""Writes of dispositifs, estimates and contributions: checked, versioned, recorded.

A change is a compare-and-set on `version` (UPDATE … WHERE version = the one the
user read), so of two people saving the same row, the second is refused on
SQLite and PostgreSQL alike; the history entry is written in the same transaction.
"""

from django.db import transaction

from . import historique
from .models import Contribution, Dispositif, Estimation, Historique

CHAMPS_MODIFIABLES = {
    Dispositif: ["partenaire_id", "intitule", "unite_compte", "remarque", "statut", "structures", "archive"],
    Estimation: ["partenaire_id", "annee", "montant_annuel", "remarque_annuelle", "periode_debut", "periode_fin",
                 "montant_pluriannuel", "remarque_pluriannuelle"],
}


class Conflit(Exception):
    """Someone saved the row since the user read it."""

    def __init__(self, actuel):
        super().__init__("Modification concurrente")
        self.actuel = actuel
        self.derniere = (
            Historique.objects.filter(objet=historique.nature(actuel), objet_id=actuel.pk).order_by("-date", "-pk").first()
            if actuel is not None else None
        )


def _comparer_et_ecrire(user, objet, version_lue, m2m=None):
    modele = type(objet)
    with transaction.atomic():
        actuel = modele.objects.select_for_update().filter(pk=objet.pk).first()
        if actuel is None or actuel.version != version_lue:
            raise Conflit(actuel)
        avant = historique.instantane(actuel)
        champs = {c: getattr(objet, c) for c in CHAMPS_MODIFIABLES[modele]}
        if not modele.objects.filter(pk=objet.pk, version=version_lue).update(version=version_lue + 1, **champs):
            raise Conflit(modele.objects.filter(pk=objet.pk).first())
        objet.version = version_lue + 1
        for nom, valeurs in (m2m or {}).items():
            getattr(objet, nom).set(valeurs)
        historique.enregistrer(user, objet, Historique.Action.MODIFICATION, avant)
    return objet


def creer(user, objet, m2m=None):
    with transaction.atomic():
        objet.version = 1
        objet.save()
        for nom, valeurs in (m2m or {}).items():
            getattr(objet, nom).set(valeurs)
        historique.enregistrer(user, objet, Historique.Action.CREATION)
    return objet


def modifier(user, objet, version_lue, m2m=None):
    return _comparer_et_ecrire(user, objet, version_lue, m2m)


def archiver(user, dispositif, version_lue):
    dispositif.archive = True
    return modifier(user, dispositif, version_lue)


def supprimer_estimation(user, estimation, version_lue):
    with transaction.atomic():
        actuel = Estimation.objects.select_for_update().filter(pk=estimation.pk).first()
        if actuel is None or actuel.version != version_lue:
            raise Conflit(actuel)
        avant = historique.instantane(actuel)
        historique.enregistrer(user, actuel, Historique.Action.SUPPRESSION, avant)
        actuel.delete()


def contribution(contrat, partenaire, annee):
    return Contribution.objects.filter(contrat=contrat, partenaire=partenaire, annee=annee).first() or Contribution(
        contrat=contrat, partenaire=partenaire, annee=annee
    )


TRANSITIONS = {
    # action: (states it starts from, state it leads to)
    "soumettre": ({Contribution.Statut.BROUILLON, Contribution.Statut.RENVOYE}, Contribution.Statut.SOUMIS),
    "valider": ({Contribution.Statut.SOUMIS}, Contribution.Statut.VALIDE),
    "renvoyer": ({Contribution.Statut.SOUMIS, Contribution.Statut.VALIDE}, Contribution.Statut.RENVOYE),
}


class TransitionImpossible(Exception):
    pass


def changer_statut(user, contrat, partenaire, annee, action, commentaire=""):
    depart, arrivee = TRANSITIONS[action]
    with transaction.atomic():
        objet, _ = Contribution.objects.select_for_update().get_or_create(
            contrat=contrat, partenaire=partenaire, annee=annee
        )
        if objet.statut not in depart:
            raise TransitionImpossible(
                f"La contribution est « {objet.get_statut_display()} » : impossible de la {action}."
            )
        objet.statut = arrivee
        objet.modifie_par = user
        if action == "renvoyer":
            objet.commentaire = commentaire
        elif action == "soumettre":
            objet.commentaire = ""
        objet.save()
    return objet

