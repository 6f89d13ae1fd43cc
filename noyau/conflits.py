"""The conflict page: the second of two concurrent saves keeps its typing and sees the first."""

from django.contrib import messages
from django.shortcuts import render

from .historique import changements


def contexte_conflit(request, erreur, form, champ="version"):
    """What `includes/conflit.html` shows; None when the row was deleted meanwhile (said in a message).

    The form is given the version now stored (in its field `champ`), so that saving again, knowingly,
    goes through."""
    if erreur.actuel is None:
        messages.error(request, "Cet élément a été supprimé entre-temps : votre modification n'a pas été enregistrée.")
        return None
    form.data = form.data.copy()
    form.data[form.add_prefix(champ)] = erreur.actuel.version
    derniere = erreur.derniere
    return {
        "par": derniere.user_nom if derniere else "un autre utilisateur",
        "le": derniere.date if derniere else None,
        "changements": changements(derniere) if derniere else [],
    }


def version_postee(request):
    """The version of the object the page showed, as its POST button sends it; None if absent or garbled."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def page_perimee(request, message, retour):
    """The answer to a button pressed on a page that no longer shows the object as it is (a double click, a
    second tab, a colleague): 409, what happened, and the way back to the page as it stands now."""
    return render(request, "409.html", {"message": message, "retour": retour}, status=409)
