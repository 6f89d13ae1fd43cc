"""The conflict page: the second of two concurrent saves keeps its typing and sees the first."""

from django.contrib import messages

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
