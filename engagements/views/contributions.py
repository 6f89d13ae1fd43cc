"""A partner's contribution of a year: the entry grid, its submission and validation, its bilan."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contrat import permissions
from contrat.models import Contrat, Partenaire
from noyau import jetons
from noyau.conflits import version_postee
from noyau.enregistrement import refus, repondre
from noyau.issues import CONFLIT, DOUBLON, tenter

from .. import bilan, collectes, relecture, saisie, services
from ..forms import RenvoiForm, ReponseForm
from ..models import Contribution, Nature


def _contribution_visible(request, slug, partenaire_slug, annee):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    partenaire = get_object_or_404(Partenaire, slug=partenaire_slug)
    # A contribution is one year of the contract: any other year has no page (nor a row).
    if not contrat.annee_debut <= annee <= contrat.annee_fin_effective:
        raise Http404(
            f"L'année {annee} est hors de la période du contrat ({contrat.annee_debut}-{contrat.annee_fin_effective})."
        )
    return contrat, partenaire


def _pourquoi_pas_de_saisie(user, partenaire, objet):
    if not permissions.peut_saisir(user, partenaire, objet.contrat_id):
        return f"Seuls les agents de {partenaire.nom} saisissent ses lignes."
    return (
        f"La contribution {objet.annee} est « {objet.get_statut_display()} » : ses lignes ne sont plus "
        "modifiables (le chef de projet peut la renvoyer ou la rouvrir)."
    )


def _lignes_vides(request, valeur=None):
    try:
        demande = int(request.GET.get("lignes", saisie.LIGNES_VIDES) if valeur is None else valeur)
    except ValueError:
        return saisie.LIGNES_VIDES
    return min(max(demande, 0), saisie.LIGNES_VIDES_MAX)


def _apres_la_grille(request, ici):
    """Where a saved grid leads: back to itself, with more empty lines when « Enregistrer et ajouter des lignes »
    was the button pressed (what was typed is saved first, never dropped by a link)."""
    if "plus_de_lignes" in request.POST:
        return f"{ici}?lignes={_lignes_vides(request, request.POST['plus_de_lignes'])}#grille"
    return ici


def _enregistrer(request, grille, formset, ici, suite=None):
    """Writes a valid grid (planned amounts or bilan) once per form token: (the answer, or None when the grid
    is shown again; those refused rows). Rows a colleague changed meanwhile are refused and shown (409); a
    rule that closes the lines: 403 saying which; a repeat of another row: 400, said above the grid, nothing
    written; sent twice: where the first submission led."""
    issue = tenter(
        lambda: jetons.une_fois(
            request.POST.get("jeton"), lambda: grille.enregistrer(request.user, formset), adresse=suite or ici
        )
    )
    if issue.nature == DOUBLON:
        formset._non_form_errors = formset.error_class([f"{issue.message} Rien n'a été enregistré."])
        return None, []
    if not issue.enregistre:
        return refus(request, issue, retour=ici), []
    ecrites, refuses = issue.objet
    if refuses:
        return None, refuses
    messages.success(
        request,
        f"{ecrites} ligne{'s' if ecrites > 1 else ''} enregistrée{'s' if ecrites > 1 else ''}."
        if ecrites
        else "Aucune modification à enregistrer.",
    )
    return redirect(suite or ici), []


def contribution(request, slug, partenaire_slug, annee):
    """The partner's lines of the year: for its agents, while it is a draft, one editable grid."""
    contrat, partenaire = _contribution_visible(request, slug, partenaire_slug, annee)
    objet = services.contribution(contrat, partenaire, annee)
    editable = permissions.peut_saisir(request.user, partenaire, contrat) and objet.modifiable_par_les_agents
    grille = saisie.Saisie(contrat, partenaire, annee, _lignes_vides(request))
    formset, refus_, statut = None, [], 200
    ici = reverse("engagements:contribution", args=[contrat.slug, partenaire.slug, annee])
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_pourquoi_pas_de_saisie(request.user, partenaire, objet))
        if (deja := jetons.deja_envoye(request)) is not None:  # a double click: its new lines are not added twice
            return jetons.vers_le_premier(request, deja, ici)
        formset = grille.formset(request.POST)
        if formset.is_valid():
            reponse, refuses = _enregistrer(request, grille, formset, ici, _apres_la_grille(request, ici))
            if reponse is not None:
                return reponse
            if refuses:
                # Some rows were changed by a colleague: the grid is read again, those rows with their values.
                grille = saisie.Saisie(contrat, partenaire, annee, _lignes_vides(request))
                formset, refus_, statut = None, refuses, 409
            else:
                statut = 400  # a repeat of another row: the typing kept, the refusal above the grid
        else:
            statut = 400
    if editable and formset is None:
        formset = grille.formset()
    ctx = {
        "contrat": contrat,
        "partenaire": partenaire,
        "annee": annee,
        "contribution": objet,
        "grille": grille,
        "lignes": list(grille.lignes.values()),
        "formset": formset if editable else None,
        "refus": refus_,
        "collecte": collectes.collecte_de(contrat, annee),
        "etat": collectes.etat_de(objet if objet.pk else None, len(grille.lignes)),
        "refus_par_pk": {r.estimation.pk: r for r in refus_ if r.estimation is not None},
        "peut_soumettre": editable,
        "peut_reprendre": editable and bool(grille.precedent),
        "bilan_ouvrable": annee < timezone.localdate().year and bool(grille.lignes),
        "peut_valider": permissions.peut_piloter(request.user, contrat) and objet.statut == Contribution.Statut.SOUMIS,
        "peut_renvoyer": permissions.peut_piloter(request.user, contrat) and objet.statut == Contribution.Statut.SOUMIS,
        # What the chef reads before validating: each line, and what changed since the last submission and year.
        "relecture": relecture.relire(objet, list(grille.lignes.values()))
        if permissions.peut_piloter(request.user, contrat) and relecture.a_relire(objet)
        else None,
        "peut_rouvrir": permissions.peut_piloter(request.user, contrat) and objet.statut == Contribution.Statut.VALIDE,
        "renvoi": RenvoiForm(),
        "reponse": ReponseForm(),
        "echanges": services.echanges(objet),
        "historique": relecture.historique_de(objet),
        "jeton": secrets.token_urlsafe(24),
    }
    return render(request, "engagements/contribution.html", ctx, status=statut)


@require_POST
def contribution_reprendre(request, slug, partenaire_slug, annee):
    contrat, partenaire = _contribution_visible(request, slug, partenaire_slug, annee)
    objet = services.contribution(contrat, partenaire, annee)
    if not (permissions.peut_saisir(request.user, partenaire, contrat) and objet.modifiable_par_les_agents):
        raise PermissionDenied(_pourquoi_pas_de_saisie(request.user, partenaire, objet))
    ici = reverse("engagements:contribution", args=[contrat.slug, partenaire.slug, annee])

    def dit(n):
        if not n:
            return f"Toutes les lignes de {annee - 1} figurent déjà en {annee}."
        pluriel = "s" if n > 1 else ""
        return (
            f"{n} ligne{pluriel} de {annee - 1} reprise{pluriel} : les montants sont laissés "
            f"vides, à saisir pour {annee}."
        )

    issue = tenter(lambda: saisie.Saisie(contrat, partenaire, annee).reprendre(request.user))
    return repondre(request, issue, message=dit, suite=ici, retour=ici)


@require_POST
def contribution_action(request, slug, partenaire_slug, annee, action, nature=Nature.PREVISIONNEL):
    contrat, partenaire = _contribution_visible(request, slug, partenaire_slug, annee)
    autorise = (
        permissions.peut_saisir(request.user, partenaire, contrat)
        if action == "soumettre"
        else permissions.peut_piloter(request.user, contrat)
    )
    if not autorise:
        raise PermissionDenied("Cette action ne vous est pas ouverte.")
    est_bilan = nature == Nature.BILAN
    retour = "engagements:bilan" if est_bilan else "engagements:contribution"
    if est_bilan and annee >= timezone.localdate().year:
        raise Http404(f"L'année {annee} n'est pas achevée : son bilan n'est pas ouvert.")
    commentaire = ""
    if action == "soumettre":
        reponse = ReponseForm(request.POST)
        if not reponse.is_valid():
            messages.error(request, " ".join(reponse.errors["commentaire"]))
            return redirect(retour, contrat.slug, partenaire.slug, annee)
        commentaire = reponse.cleaned_data["commentaire"].strip()
    elif action in services.AVEC_COMMENTAIRE:
        form = RenvoiForm(request.POST)
        if not form.is_valid():
            sien = "son bilan" if est_bilan else "sa contribution"
            pourquoi = (
                f"avant de renvoyer {sien}"
                if action == "renvoyer"
                else f"avant de rouvrir {sien} validé{'' if est_bilan else 'e'}"
            )
            messages.error(request, f"Expliquez au partenaire ce qu'il doit corriger {pourquoi}.")
            return redirect(retour, contrat.slug, partenaire.slug, annee)
        commentaire = form.cleaned_data["commentaire"]
    if est_bilan:
        textes = {
            "soumettre": "Le bilan est soumis au chef de projet.",
            "valider": "Le bilan est validé : ce qui a été réalisé n'est plus modifiable par les agents.",
            "renvoyer": "Le bilan est renvoyé au partenaire avec votre commentaire.",
            "rouvrir": "Le bilan est rouvert : ce qui a été réalisé est de nouveau modifiable.",
        }
    else:
        textes = {
            "soumettre": "La contribution est soumise au chef de projet.",
            "valider": "La contribution est validée : ses lignes ne sont plus modifiables par les agents.",
            "renvoyer": "La contribution est renvoyée au partenaire avec votre commentaire.",
            "rouvrir": "La contribution est rouverte : ses lignes sont de nouveau modifiables, et l'annexe "
            "redevient une version de travail jusqu'à la prochaine validation.",
        }
    ici = reverse(retour, args=[contrat.slug, partenaire.slug, annee])
    try:
        issue = tenter(
            lambda: services.changer_statut(
                request.user,
                contrat,
                partenaire,
                annee,
                action,
                commentaire,
                nature=nature,
                rien_a_declarer=request.POST.get("rien_a_declarer") == "on",
                version_lue=version_postee(request),
                inconnus_confirmes=request.POST.get("inconnus_confirmes") == "on",
            )
        )
    except services.TransitionImpossible as erreur:  # a rule of the cycle, said on the page
        messages.error(request, str(erreur))
        return redirect(ici)
    if issue.nature == CONFLIT:  # moved since the page was shown (a colleague, another tab): nothing done
        quoi = "Le bilan" if est_bilan else "La contribution"
        issue.message = (
            f"{quoi} a changé depuis que la page a été affichée (elle est maintenant « "
            f"{issue.erreur.actuel.get_statut_display()} ») : rien n'a été fait. Relisez-la."
        )
    return repondre(request, issue, message=textes[action], suite=ici, retour=ici)


def bilan_de_l_annee(request, slug, partenaire_slug, annee):
    """What the partner's lines of a past year actually mobilised: for its agents, while the bilan
    is a draft, one grid beside what was planned; then submitted, validated, locked."""
    contrat, partenaire = _contribution_visible(request, slug, partenaire_slug, annee)
    if annee >= timezone.localdate().year:
        raise Http404(f"L'année {annee} n'est pas achevée : son bilan s'ouvre à partir de {annee + 1}.")
    objet = services.contribution(contrat, partenaire, annee, Nature.BILAN)
    editable = permissions.peut_saisir(request.user, partenaire, contrat) and objet.modifiable_par_les_agents
    grille = bilan.Bilan(contrat, partenaire, annee)
    formset, refus_, statut = None, [], 200
    ici = reverse("engagements:bilan", args=[contrat.slug, partenaire.slug, annee])
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_pourquoi_pas_de_saisie(request.user, partenaire, objet))
        formset = grille.formset(request.POST)
        if formset.is_valid():
            reponse, refuses = _enregistrer(request, grille, formset, ici)
            if reponse is not None:
                return reponse
            if refuses:
                grille = bilan.Bilan(contrat, partenaire, annee)
                formset, refus_, statut = None, refuses, 409
            else:
                statut = 400
        else:
            statut = 400
    if editable and formset is None:
        formset = grille.formset()
    pilote = permissions.peut_piloter(request.user, contrat)
    ctx = {
        "contrat": contrat,
        "partenaire": partenaire,
        "annee": annee,
        "contribution": objet,
        "grille": grille,
        "titre": f"Bilan {annee} — {partenaire.sigle}",
        "lignes": list(grille.lignes.values()),
        "formset": formset if editable else None,
        "refus": refus_,
        "collecte": collectes.collecte_de(contrat, annee, Nature.BILAN),
        "etat": collectes.etat_de(
            objet if objet.pk else None, sum(1 for e in grille.lignes.values() if bilan.realisation_de(e) is not None)
        ),
        "peut_soumettre": editable and bool(grille.lignes),
        "peut_valider": pilote and objet.statut == Contribution.Statut.SOUMIS,
        "peut_renvoyer": pilote and objet.statut == Contribution.Statut.SOUMIS,
        "peut_rouvrir": pilote and objet.statut == Contribution.Statut.VALIDE,
        "renvoi": RenvoiForm(),
        "reponse": ReponseForm(),
        "echanges": services.echanges(objet),
        "historique": relecture.historique_de(objet),
        "jeton": secrets.token_urlsafe(24),
    }
    return render(request, "engagements/bilan.html", ctx, status=statut)
