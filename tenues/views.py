"""The yearly follow-up of the commitments that are not amounts: one page per contract and year,
where each partner says what became of its commitments and the chef de projet validates."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contrat import permissions
from contrat.models import Contrat
from noyau import enregistrement, historique
from noyau.conflits import cote_de_l_autre, porter_la_version
from noyau.issues import CONFLIT, DOUBLON, tenter

from . import lignes as lignes_
from . import services
from .forms import FiltreForm, MotifForm, TenueForm
from .models import Tenue


def annees_achevees(contrat, jour=None):
    """The contract's years over: those whose commitments can be said kept or not."""
    jour = jour or timezone.localdate()
    return list(range(contrat.annee_debut, min(contrat.annee_fin_effective, jour.year - 1) + 1))


def _contrat_et_annee(request, slug, annee):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    if annee not in annees_achevees(contrat):
        if annee >= timezone.localdate().year:
            raise Http404(
                f"L'année {annee} n'est pas achevée : on dit si ses engagements ont été tenus à partir de {annee + 1}."
            )
        raise Http404(f"L'année {annee} est hors de la période du contrat ({contrat.periode}).")
    return contrat


def accueil(request, slug):
    """The latest year over."""
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    annees = annees_achevees(contrat)
    if not annees:
        raise Http404(f"Aucune année du contrat n'est encore achevée ({contrat.periode}).")
    return redirect("tenues:annee", contrat.slug, annees[-1])


def _formulaires(groupes, donnees, annee, pilote):
    """Each line's form (when its partner may still say whether it was kept) and the chef's motive form."""
    formulaires = []
    for _partenaire, groupe in groupes:
        for ligne in groupe:
            ligne.form = TenueForm(donnees, ligne=ligne, annee=annee) if ligne.modifiable and not ligne.valide else None
            ligne.motif = MotifForm(prefix=f"m{ligne.tenue.pk}") if pilote and ligne.tenue else None
            ligne.action_motif = "rouvrir" if ligne.valide else "renvoyer"
            if ligne.form is not None:
                formulaires.append(ligne.form)
    return formulaires


def _enregistrer(request, contrat, annee, formulaires):
    """The year's lines saved at once: (the redirect once saved, or None; the status; what was refused)."""
    if not all(f.is_valid() for f in formulaires):
        return None, 400, None
    issue = tenter(
        lambda: services.enregistrer(request.user, contrat, annee, [f for f in formulaires if f.has_changed()])
    )
    if issue.nature == CONFLIT:  # the row, with what the other person saved; saving again goes through
        erreur = issue.erreur
        porter_la_version(erreur.form, erreur.actuel.version, erreur.champ)
        return None, 409, {"conflit": cote_de_l_autre(erreur), "ligne": erreur.form.ligne}
    if issue.nature == DOUBLON:  # under its row
        return None, 400, {"texte": issue.message, "ligne": issue.cause.form.ligne}
    if not issue.enregistre:  # locked: 403 saying why; deleted meanwhile: 404 saying so
        return enregistrement.refus(request, issue, retour=request.get_full_path()), None, None
    ecrits = issue.objet
    messages.success(
        request,
        f"{ecrits} modification{'s' if ecrits > 1 else ''} enregistrée{'s' if ecrits > 1 else ''}."
        if ecrits
        else "Rien n'a changé : rien n'a été enregistré.",
    )
    return redirect(request.get_full_path()), 302, None  # the same filters


def suivi_de_l_annee(request, slug, annee):
    contrat = _contrat_et_annee(request, slug, annee)
    pilote = permissions.peut_piloter(request.user, contrat)
    groupes = lignes_.lignes(contrat, annee, request.user)
    if not pilote and not groupes and not permissions.partenaires_agent(request.user, contrat):
        raise PermissionDenied(
            "Le suivi des engagements est tenu par les partenaires du contrat et son chef de projet."
        )
    a_valider = [
        ligne.tenue
        for _p, groupe in groupes
        for ligne in groupe
        if ligne.tenue and ligne.tenue.etat == Tenue.Etat.A_VALIDER
    ]
    filtre = FiltreForm(request.GET, partenaires=[p for p, _ in groupes])
    groupes = [(p, [ligne for ligne in groupe if filtre.garde(ligne)]) for p, groupe in groupes]
    groupes = [(p, groupe) for p, groupe in groupes if groupe]
    formulaires = _formulaires(groupes, request.POST if request.method == "POST" else None, annee, pilote)
    statut, refus = 200, None
    if request.method == "POST":
        if not formulaires:
            raise PermissionDenied("Vous ne pouvez renseigner que les engagements de votre organisation.")
        reponse, statut, refus = _enregistrer(request, contrat, annee, formulaires)
        if reponse is not None:
            return reponse
    return render(
        request,
        "tenues/annee.html",
        {
            "contrat": contrat,
            "annee": annee,
            "groupes": groupes,
            "pilote": pilote,
            "refus": refus,
            "formulaires": formulaires,
            "erreurs": [f for f in formulaires if f.errors],
            "a_valider": a_valider,
            "annees": annees_achevees(contrat),
            "titre": f"Engagements non financiers {annee}",
            "filtre": filtre,
            "filtre_actif": any(request.GET.get(n) for n in filtre.fields),
            "historique": historique.journal("tenues", contrat.pk, 12),
        },
        status=statut,
    )


@require_POST
def transition(request, slug, annee, pk, action):
    contrat = Contrat.objects.pilote_par(
        request.user, slug, "Seul le chef de projet du contrat valide le suivi des engagements."
    )
    if action not in services.TRANSITIONS:
        raise Http404("Action inconnue.")
    tenue = get_object_or_404(Tenue, pk=pk, contrat=contrat, annee=annee)
    motif = ""
    if action in services.AVEC_MOTIF:
        form = MotifForm(request.POST, prefix=f"m{tenue.pk}")
        if not form.is_valid():
            quoi = "rouvert" if action == "rouvrir" else "renvoyé"
            messages.error(request, f"Dites au partenaire ce qu'il faut revoir : le suivi n'a pas été {quoi}.")
            return redirect(f"{_retour(request, contrat, annee)}#t{tenue.pk}")
        motif = form.cleaned_data["motif"]
    ici = f"{_retour(request, contrat, annee)}#t{tenue.pk}"
    try:
        issue = tenter(
            lambda: services.changer_etat(
                request.user,
                [tenue],
                action,
                motif,
                versions_lues={tenue.pk: _entier(request.POST.get(f"v{tenue.pk}"))},
            )
        )
    except services.TransitionImpossible as erreur:
        messages.error(request, str(erreur))
        return redirect(ici)
    if issue.nature == CONFLIT:
        issue.message = (
            "Ce suivi a changé depuis que la page a été affichée (corrigé par le partenaire, ou validé, renvoyé "
            "par un collègue) : rien n'a été fait. Relisez-le."
        )
    textes = {
        "valider": "Le suivi est validé.",
        "renvoyer": "Le suivi est renvoyé au partenaire.",
        "rouvrir": "Le suivi est rouvert : le partenaire peut le corriger.",
    }
    return enregistrement.repondre(request, issue, message=textes[action], suite=ici, retour=ici)


@require_POST
def valider_tout(request, slug, annee):
    contrat = Contrat.objects.pilote_par(
        request.user, slug, "Seul le chef de projet du contrat valide le suivi des engagements."
    )
    # Exactly the follow-ups the page showed, at the version it showed: one awaiting validation since is not
    # validated unseen, one corrected or validated since makes it a 409.
    vus = dict(filter(None, (_pk_et_version(v) for v in request.POST.getlist("vu"))))
    tenues = list(Tenue.objects.de_l_annee(contrat, annee).filter(pk__in=vus))
    ici = _retour(request, contrat, annee)
    try:
        issue = tenter(lambda: services.changer_etat(request.user, tenues, "valider", versions_lues=vus))
    except services.TransitionImpossible as erreur:
        messages.error(request, str(erreur))
        return redirect(ici)
    if issue.nature == CONFLIT:
        issue.message = (
            "Un de ces suivis a changé depuis que la page a été affichée : rien n'a été validé. Relisez la page."
        )
    n = len(tenues)
    return enregistrement.repondre(
        request, issue, message=f"{n} suivi{'s' if n > 1 else ''} validé{'s' if n > 1 else ''}.", suite=ici, retour=ici
    )


def _entier(texte):
    try:
        return int(texte)
    except (TypeError, ValueError):
        return None


def _pk_et_version(texte):
    """« 12:3 » → (12, 3): a follow-up and the version the page showed; None if garbled."""
    pk, _, version = (texte or "").partition(":")
    pk, version = _entier(pk), _entier(version)
    return (pk, version) if pk is not None and version is not None else None


def _retour(request, contrat, annee):
    """Back to the page with the filters it had; never elsewhere."""
    ici = reverse("tenues:annee", args=[contrat.slug, annee])
    retour = request.POST.get("retour", "")
    return retour if retour.startswith(ici + "?") else ici
