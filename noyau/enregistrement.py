"""The save of a versioned form, with one answer per outcome, for every page that edits a row."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from . import jetons, versions
from .conflits import cote_de_l_autre, page_perimee, porter_la_version, version_postee
from .formulaires import formulaires_refuses

SUPPRIME = "Cet élément a été supprimé entre-temps : votre modification n'a pas été enregistrée."


def enregistrer(
    request,
    form,
    ecrire,
    *,
    gabarit,
    contexte,
    message,
    suite,
    retour,
    listes=(),
    doublon=None,
    reprendre=None,
    sauver=True,
):
    """The page of a versioned form (`form`, and the formsets `listes` saved with it), and its save.

    `ecrire()` writes through noyau.versions and returns the row saved. The answers:
    - saved: `message` (text, or function of the row) and a redirect to `suite` (URL, row, or function of the row);
    - saved by someone else since the page was read: 409, the typing kept beside what the other person
      saved; the form then carries the stored version, so that saving again, knowingly, goes through
      (`reprendre(erreur)` does it for what is not the form's `version` field, and returns the context to add);
    - forbidden by a rule (a validated contribution): 403 saying which rule;
    - a repeat of another row: the error under the field `doublon` (the form's own errors if None), 400;
    - deleted meanwhile: 404 saying so, with the way back to `retour`;
    - a creation sent twice: where its first submission led (`retour` if nowhere).
    Refused input is answered 400, a page shown 200. `sauver=False`: shown again, not saved (more rows)."""
    conflit = None
    valides = request.method == "POST" and sauver and form.is_valid() and all(f.is_valid() for f in listes)
    if valides:
        try:
            objet = ecrire()
        except jetons.DejaEnvoye as deja:
            return jetons.vers_le_premier(request, deja.adresse, retour)
        except versions.Verrouille as refus:
            raise PermissionDenied(str(refus)) from None
        except versions.Doublon as refus:
            form.add_error(doublon, str(refus))
        except versions.Conflit as erreur:
            if erreur.actuel is None:
                return render(request, "404.html", {"message": SUPPRIME, "retour": retour}, status=404)
            conflit = cote_de_l_autre(erreur)
            if reprendre is not None:
                contexte = {**contexte, **(reprendre(erreur) or {})}
            else:
                porter_la_version(getattr(erreur, "form", form), erreur.actuel.version)
        else:
            messages.success(request, message(objet) if callable(message) else message)
            return redirect(suite(objet) if callable(suite) else suite)
    refus = request.method == "POST" and sauver and formulaires_refuses(form, *listes)
    statut = 409 if conflit else 400 if refus else 200
    return render(request, gabarit, {**contexte, "form": form, "conflit": conflit}, status=statut)


def action(request, objet, faire, *, perimee, retour, suite=None, version=None):
    """A POST button on a versioned row (archive, delete, move, send again…), which posts the version
    its page showed. A page that no longer shows the row as it is (a double click, a second tab, a
    colleague's save) is answered 409 saying `perimee`, and nothing is done; so is a save that comes
    between the check and the write. A rule that forbids it: 403 saying why. Otherwise `faire()` acts
    and returns what to tell the user; then to `suite` (`retour`, the page as it stands, by default).
    `version`: the version to compare with, where the page cannot post one (a choice among many rows)."""
    if (version_postee(request) if version is None else version) != objet.version:
        return page_perimee(request, perimee, retour)
    try:
        message = faire()
    except versions.Verrouille as refus:
        raise PermissionDenied(str(refus)) from None
    except versions.Conflit:
        return page_perimee(request, perimee, retour)
    if message:
        messages.success(request, message)
    return redirect(suite or retour)
