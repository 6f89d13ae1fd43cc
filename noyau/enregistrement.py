"""The HTML answer of a write's outcome (noyau.issues), for every page that creates or edits a row, every
button and every grid: one answer per outcome, the same everywhere."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from . import issues, jetons
from .conflits import cote_de_l_autre, page_perimee, porter_la_version, version_postee
from .formulaires import formulaires_refuses

SUPPRIME = issues.SUPPRIME_MESSAGE


def refus(request, issue, *, retour, form=None):
    """The page that answers a refused write, or None when the form is to be shown again with the refusal
    under its field (a repeat, 400). Locked → 403 saying which rule; deleted meanwhile → 404 saying so;
    saved meanwhile (a button, a creation) → 409 saying so; sent twice → where the first submission led."""
    if issue.nature == issues.DEJA_ENVOYE:
        return jetons.vers_le_premier(request, issue.adresse, retour)
    if issue.nature == issues.VERROUILLE:
        raise PermissionDenied(issue.message)
    if issue.nature == issues.SUPPRIME:
        return render(request, "404.html", {"message": issue.message, "retour": retour}, status=404)
    if issue.nature == issues.DOUBLON and form is not None:
        form.add_error(issue.champ, issue.message)
        return None
    return page_perimee(request, issue.message, retour)


def repondre(request, issue, *, message, suite, retour, form=None):
    """The answer to a write that is not a versioned form's (a creation, a grid): saved → `message` (text, or
    function of the row) and to `suite` (URL, row, or function of the row); refused → `refus()`. None: show
    the form again, 400."""
    if issue.enregistre:
        texte = message(issue.objet) if callable(message) else message
        if texte:
            messages.success(request, texte)
        return redirect(suite(issue.objet) if callable(suite) else suite)
    return refus(request, issue, retour=retour, form=form)


def creation(request, form, ecrire, *, message, suite, retour=None, champ=None):
    """A creation from a valid form: `ecrire()` through noyau.versions, then `repondre()` (a repeat said under
    `champ`). None: show the form again, 400."""
    return repondre(
        request, issues.tenter(ecrire, champ=champ), message=message, suite=suite, retour=retour or suite, form=form
    )


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
        issue = issues.tenter(ecrire, champ=doublon)
        if issue.nature == issues.CONFLIT:
            conflit = cote_de_l_autre(issue.erreur)
            if reprendre is not None:
                contexte = {**contexte, **(reprendre(issue.erreur) or {})}
            else:
                porter_la_version(getattr(issue.erreur, "form", form), issue.erreur.actuel.version)
        else:
            reponse = repondre(request, issue, message=message, suite=suite, retour=retour, form=form)
            if reponse is not None:
                return reponse
    refuse = request.method == "POST" and sauver and formulaires_refuses(form, *listes)
    statut = 409 if conflit else 400 if refuse else 200
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
    issue = issues.tenter(faire)  # here what `faire()` returns is the message, not a row
    if issue.nature in (issues.CONFLIT, issues.SUPPRIME):
        return page_perimee(request, perimee, retour)
    if not issue.enregistre:
        return refus(request, issue, retour=retour)
    if issue.objet:
        messages.success(request, issue.objet)
    return redirect(suite or retour)
