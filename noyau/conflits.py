"""The conflict page: the second of two concurrent saves keeps its typing and sees the first."""

from django.shortcuts import render

from .historique import changements


def cote_de_l_autre(erreur):
    """What `includes/conflit.html` shows of the save that came first: who, when, which fields."""
    derniere = erreur.derniere
    return {
        "par": derniere.user_nom if derniere else "un autre utilisateur",
        "le": derniere.date if derniere else None,
        "changements": changements(derniere) if derniere else [],
    }


def porter_la_version(form, version, champ="version"):
    """The form now carries the version stored, so that saving again, knowingly, goes through."""
    form.data = form.data.copy()
    form.data[form.add_prefix(champ)] = version


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
