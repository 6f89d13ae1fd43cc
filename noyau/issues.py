"""The outcome of a write, apart from its answer.

Every route that writes (a page, a button, a grid, the API to come) runs its write through `tenter()`
and gets one `Issue`: saved, saved meanwhile by someone else (with the stored side), locked by a rule
(with the rule's words), a repeat of another row (with the field), deleted meanwhile, or a form sent
twice (with where the first one led). The HTML answer (`noyau.enregistrement`) and the JSON answer
(`en_json`) are two responders over the same outcome, with the same words and the same status codes.
"""

from dataclasses import dataclass, field
from typing import Any

from django.http import JsonResponse

from . import jetons, versions
from .conflits import cote_de_l_autre

ENREGISTRE = "enregistre"
CONFLIT = "conflit"
VERROUILLE = "verrouille"
DOUBLON = "doublon"
SUPPRIME = "supprime"
DEJA_ENVOYE = "deja_envoye"

SUPPRIME_MESSAGE = "Cet élément a été supprimé entre-temps : votre modification n'a pas été enregistrée."
CONFLIT_MESSAGE = (
    "Quelqu'un a enregistré une modification depuis que vous avez ouvert la page : la vôtre n'est pas "
    "enregistrée. Relisez sa version, puis enregistrez de nouveau si vous maintenez la vôtre."
)

# The HTTP status of each outcome, the same for every responder.
STATUTS = {ENREGISTRE: 200, CONFLIT: 409, VERROUILLE: 403, DOUBLON: 400, SUPPRIME: 404, DEJA_ENVOYE: 303}


@dataclass
class Issue:
    nature: str
    objet: Any = None  # what was written (saved)
    message: str = ""  # the words said to the person (locked, repeat, deleted, conflict)
    champ: str | None = None  # the field a repeat is said under
    erreur: versions.Conflit | None = None  # the conflict, with the row as stored and its last change
    adresse: str | None = None  # where the first of two submissions led
    conflits: dict = field(default_factory=dict)  # a grid: {pk: Conflit} of the rows changed meanwhile
    cause: Exception | None = None  # the refusal as raised (a grid's carries the row's form)

    @property
    def enregistre(self):
        return self.nature == ENREGISTRE

    @property
    def statut(self):
        return STATUTS[self.nature]


def tenter(ecrire, *, champ=None):
    """Runs `ecrire()` (which writes through noyau.versions) and says how it went: never raises the write
    service's refusals, which are outcomes, not errors."""
    try:
        objet = ecrire()
    except jetons.DejaEnvoye as deja:
        return Issue(DEJA_ENVOYE, message=jetons.MESSAGE, adresse=deja.adresse, cause=deja)
    except versions.Verrouille as refus:
        return Issue(VERROUILLE, message=str(refus), cause=refus)
    except versions.Doublon as refus:
        return Issue(DOUBLON, message=str(refus), champ=champ, cause=refus)
    except versions.Conflit as erreur:
        if erreur.actuel is None:
            return Issue(SUPPRIME, message=SUPPRIME_MESSAGE, erreur=erreur, cause=erreur)
        return Issue(CONFLIT, message=CONFLIT_MESSAGE, erreur=erreur, cause=erreur)
    return Issue(ENREGISTRE, objet=objet)


def corps(issue, representer=None):
    """The JSON body of an outcome: its nature and words, and what the client needs to act on it."""
    donnees = {"issue": issue.nature, "message": issue.message}
    if issue.enregistre and issue.objet is not None:
        donnees["objet"] = representer(issue.objet) if representer else {"id": issue.objet.pk}
        if hasattr(issue.objet, "version"):
            donnees["version"] = issue.objet.version
    elif issue.nature == CONFLIT:
        autre = cote_de_l_autre(issue.erreur)
        donnees["actuel"] = {
            "version": issue.erreur.actuel.version,
            "par": autre["par"],
            "le": autre["le"].isoformat() if autre["le"] else None,
            "changements": [
                {"champ": libelle, "avant": avant, "apres": apres} for libelle, avant, apres in autre["changements"]
            ],
        }
    elif issue.nature == DOUBLON:
        donnees["champ"] = issue.champ
    elif issue.nature == DEJA_ENVOYE:
        donnees["adresse"] = issue.adresse
    if issue.conflits:
        donnees["lignes_modifiees"] = sorted(issue.conflits)
    return donnees


def en_json(issue, representer=None):
    """The JSON answer of an outcome (the API's): the status code and the body say the same thing as the page."""
    reponse = JsonResponse(corps(issue, representer), status=issue.statut, json_dumps_params={"ensure_ascii": False})
    if issue.nature == DEJA_ENVOYE and issue.adresse:
        reponse["Location"] = issue.adresse
    return reponse
