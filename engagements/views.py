import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contrat import permissions
from contrat.models import Contrat, Partenaire
from noyau import historique, jetons, telechargements, versions
from noyau.conflits import contexte_conflit
from noyau.formulaires import formulaires_refuses

from . import bilan, collectes, exports, exports_differes, saisie, services
from .annexe import Annexe
from .forms import AnnexeFiltreForm, DispositifForm, EstimationForm, RenvoiForm
from .models import Contribution, Dispositif, Estimation, Nature

# -- annexe -------------------------------------------------------------------


def _annexe_for_request(request, slug):
    """The contract the user may see, the filter form, and the annexe when the filters are valid."""
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    form = AnnexeFiltreForm(contrat, request.GET)  # every filter is optional: always bound
    if not form.is_valid():
        return contrat, form, None
    donnees = form.cleaned_data
    annexe = Annexe(contrat, donnees["annee"], donnees["partenaire"], au=donnees["au"])
    return contrat, form, annexe


def annexe_financiere(request, slug):
    contrat, form, annexe = _annexe_for_request(request, slug)
    ctx = {
        "contrat": contrat,
        "form": form,
        "annexe": annexe,
        "query": request.GET.urlencode(),
        "pilote": permissions.peut_piloter(request.user, contrat),
    }
    return render(request, "engagements/annexe.html", ctx, status=200 if annexe else 400)


def _refus_filtres(form):
    erreurs = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return HttpResponseBadRequest(f"Filtres invalides : {erreurs}", content_type="text/plain; charset=utf-8")


def _nom_fichier(annexe, extension):
    suffixe = f"-{annexe.partenaire.slug}" if annexe.partenaire_filtre else ""
    if annexe.au:
        suffixe += f"-au-{annexe.au:%Y-%m-%d}"
    return f"annexe-financiere-{annexe.contrat.slug}-{annexe.annee}{suffixe}.{extension}"


def _export_differe(request, nature, annexe, nom):
    """A large annexe: the file already made for these very data at once, else the progress page."""
    export = exports_differes.demander(nature, annexe, request.user, nom)
    if export.statut == export.Statut.PRET:
        return exports_differes.servir(export)
    return redirect(export)


def annexe_financiere_pdf(request, slug):
    contrat, form, annexe = _annexe_for_request(request, slug)
    if annexe is None:
        return _refus_filtres(form)
    if exports_differes.en_arriere_plan(annexe):
        return _export_differe(request, "annexe_pdf", annexe, _nom_fichier(annexe, "pdf"))
    return telechargements.pdf(exports.annexe_pdf(annexe, edition=timezone.localdate()), _nom_fichier(annexe, "pdf"))


def annexe_financiere_xlsx(request, slug):
    contrat, form, annexe = _annexe_for_request(request, slug)
    if annexe is None:
        return _refus_filtres(form)
    if exports_differes.en_arriere_plan(annexe):
        return _export_differe(request, "annexe_xlsx", annexe, _nom_fichier(annexe, "xlsx"))
    return telechargements.xlsx(exports.annexe_xlsx(annexe, edition=timezone.localdate()), _nom_fichier(annexe, "xlsx"))


# -- dispositifs and estimates ----------------------------------------------


def _dispositif_modifiable(request, pk):
    """404 for what the user may not see, 403 for what they see but may not change (and why)."""
    dispositif = get_object_or_404(
        Dispositif.objects.visible_to(request.user).select_related("contrat", "partenaire"), pk=pk
    )
    if not Dispositif.objects.editable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied(versions.raison_du_verrou(dispositif) or "Vous ne pouvez pas modifier ce dispositif.")
    return dispositif


def _estimation_modifiable(request, pk):
    estimation = get_object_or_404(
        Estimation.objects.visible_to(request.user).select_related("dispositif__contrat", "partenaire"), pk=pk
    )
    if not Estimation.objects.editable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied(versions.raison_du_verrou(estimation) or "Vous ne pouvez pas modifier cette estimation.")
    return estimation


def _partenaires_saisis(user, contrat):
    if user.is_superuser:
        return Partenaire.objects.all()
    return Partenaire.objects.filter(pk__in=permissions.partenaires_agent(user, contrat))


def dispositif(request, pk):
    objet = get_object_or_404(
        Dispositif.objects.visible_to(request.user).select_related("contrat", "partenaire"), pk=pk
    )
    estimations = objet.estimations.select_related("partenaire").order_by("annee", "partenaire__nom")
    modifiables = set(
        Estimation.objects.editable_by(request.user).filter(dispositif=objet).values_list("pk", flat=True)
    )
    ctx = {
        "dispositif": objet,
        "objectifs": objet.objectifs.select_related("orientation__pilier__contrat"),
        "estimations": [(e, e.pk in modifiables) for e in estimations],
        "quartiers": objet.quartiers.select_related("commune"),
        "modifiable": Dispositif.objects.editable_by(request.user).filter(pk=pk).exists(),
        "historique": historique.journal("dispositif", objet.pk),
        # The fiches of the dispositif's own contract, which the user sees since they see the dispositif.
        "fiches": objet.contrat.fiches.filter(dispositifs_mobilises__dispositif=objet).distinct(),
        "verrou": versions.raison_du_verrou(objet),
    }
    return render(request, "engagements/dispositif.html", ctx)


def dispositif_creer(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    partenaires = _partenaires_saisis(request.user, contrat)
    if not partenaires.exists():
        raise PermissionDenied("Seuls les agents d'un partenaire saisissent des dispositifs.")
    if request.method == "POST" and (deja := jetons.deja_envoye(request)) is not None:
        return jetons.vers_le_premier(request, deja, contrat.get_absolute_url())
    form = DispositifForm(
        request.POST or None, contrat=contrat, partenaires=partenaires, instance=Dispositif(contrat=contrat)
    )
    if request.method == "POST" and form.is_valid():
        objet = form.save(commit=False)
        objet.code = f"d-{timezone.now():%Y%m%d%H%M%S%f}"
        objet.ordre = (contrat.dispositifs.aggregate(m=Max("ordre"))["m"] or 0) + 10
        try:
            jetons.une_fois(
                form.cleaned_data.get("jeton"),
                lambda: versions.creer(
                    request.user,
                    objet,
                    {"objectifs": form.cleaned_data["objectifs"], "quartiers": form.cleaned_data["quartiers"]},
                ),
            )
        except jetons.DejaEnvoye as deja:
            return jetons.vers_le_premier(request, deja.adresse, contrat.get_absolute_url())
        messages.success(request, "Le dispositif est créé. Ajoutez-lui ses estimations financières.")
        return redirect(objet)
    return render(
        request,
        "engagements/dispositif_form.html",
        {"form": form, "contrat": contrat, "titre": "Nouveau dispositif"},
        status=400 if formulaires_refuses(form) else 200,
    )


def dispositif_modifier(request, pk):
    objet = _dispositif_modifiable(request, pk)
    form = DispositifForm(
        request.POST or None,
        instance=objet,
        contrat=objet.contrat,
        partenaires=_partenaires_saisis(request.user, objet.contrat),
        initial={"version": objet.version},
    )
    conflit = None
    if request.method == "POST" and form.is_valid():
        try:
            versions.modifier(
                request.user,
                form.save(commit=False),
                form.cleaned_data["version"],
                {"objectifs": form.cleaned_data["objectifs"], "quartiers": form.cleaned_data["quartiers"]},
            )
        except versions.Verrouille as refus:
            raise PermissionDenied(str(refus)) from None
        except versions.Conflit as erreur:
            conflit = contexte_conflit(request, erreur, form)
            if conflit is None:
                return redirect(objet.contrat)
        else:
            messages.success(request, "Vos modifications sont enregistrées.")
            return redirect(objet)
    ctx = {
        "form": form,
        "contrat": objet.contrat,
        "dispositif": objet,
        "conflit": conflit,
        "titre": f"Modifier « {objet.intitule} »",
    }
    return render(
        request,
        "engagements/dispositif_form.html",
        ctx,
        status=409 if conflit else 400 if formulaires_refuses(form) else 200,
    )


@require_POST
def dispositif_archiver(request, pk):
    objet = _dispositif_modifiable(request, pk)
    try:
        version = int(request.POST.get("version", ""))
        services.archiver(request.user, objet, version)
    except ValueError:
        messages.error(request, "Demande incomplète : rechargez la page et recommencez.")
        return redirect(objet)
    except versions.Conflit:
        messages.error(request, "Ce dispositif a été modifié entre-temps : relisez-le avant de l'archiver.")
        return redirect(objet)
    except versions.Verrouille as refus:
        raise PermissionDenied(str(refus)) from None
    messages.success(request, f"Le dispositif « {objet.intitule} » est archivé : il ne figure plus dans l'annexe.")
    return redirect(objet.contrat)


def estimation_creer(request, pk):
    dispositif_ = _dispositif_modifiable(request, pk)
    if request.method == "POST" and (deja := jetons.deja_envoye(request)) is not None:
        return jetons.vers_le_premier(request, deja, dispositif_.get_absolute_url())
    form = EstimationForm(
        request.POST or None,
        dispositif=dispositif_,
        partenaires=_partenaires_saisis(request.user, dispositif_.contrat),
        instance=Estimation(dispositif=dispositif_),
    )
    if request.method == "POST" and form.is_valid():
        try:
            jetons.une_fois(
                form.cleaned_data.get("jeton"),
                lambda: versions.creer(request.user, form.save(commit=False)),
                adresse=dispositif_.get_absolute_url(),
            )
        except jetons.DejaEnvoye as deja:
            return jetons.vers_le_premier(request, deja.adresse, dispositif_.get_absolute_url())
        except (versions.Verrouille, versions.Doublon) as refus:
            form.add_error("annee", str(refus))
        else:
            messages.success(request, "L'estimation est enregistrée.")
            return redirect(dispositif_)
    return render(
        request,
        "engagements/estimation_form.html",
        {"form": form, "dispositif": dispositif_, "titre": "Nouvelle estimation"},
        status=400 if formulaires_refuses(form) else 200,
    )


def estimation_modifier(request, pk):
    objet = _estimation_modifiable(request, pk)
    form = EstimationForm(
        request.POST or None,
        instance=objet,
        dispositif=objet.dispositif,
        partenaires=_partenaires_saisis(request.user, objet.dispositif.contrat),
        initial={"version": objet.version},
    )
    conflit = None
    if request.method == "POST" and form.is_valid():
        try:
            versions.modifier(request.user, form.save(commit=False), form.cleaned_data["version"])
        except (versions.Verrouille, versions.Doublon) as refus:
            form.add_error(None, str(refus))
        except versions.Conflit as erreur:
            conflit = contexte_conflit(request, erreur, form)
            if conflit is None:
                return redirect(objet.dispositif)
        else:
            messages.success(request, "L'estimation est enregistrée.")
            return redirect(objet.dispositif)
    ctx = {
        "form": form,
        "dispositif": objet.dispositif,
        "estimation": objet,
        "conflit": conflit,
        "titre": f"Estimation {objet.annee} — {objet.dispositif.intitule}",
    }
    return render(
        request,
        "engagements/estimation_form.html",
        ctx,
        status=409 if conflit else 400 if formulaires_refuses(form) else 200,
    )


def estimation_supprimer(request, pk):
    objet = _estimation_modifiable(request, pk)
    if request.method == "POST":
        try:
            versions.supprimer(request.user, objet, int(request.POST.get("version", "0")))
        except versions.Verrouille as refus:
            raise PermissionDenied(str(refus)) from None
        except (ValueError, versions.Conflit):
            messages.error(request, "Cette estimation a été modifiée entre-temps : relisez-la avant de la supprimer.")
            return redirect(objet.dispositif)
        messages.success(request, "L'estimation est supprimée.")
        return redirect(objet.dispositif)
    return render(request, "engagements/estimation_supprimer.html", {"estimation": objet})


# -- the yearly collection ----------------------------------------------------


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


def _lignes_vides(request):
    try:
        return min(max(int(request.GET.get("lignes", saisie.LIGNES_VIDES)), 0), saisie.LIGNES_VIDES_MAX)
    except ValueError:
        return saisie.LIGNES_VIDES


def _enregistrer(request, grille, formset, ici):
    """Writes a valid grid (planned amounts or bilan) once per form token: (the answer, or None
    when rows were refused because a colleague changed them meanwhile; those refused rows)."""
    try:
        ecrites, refus = jetons.une_fois(
            request.POST.get("jeton"), lambda: grille.enregistrer(request.user, formset), adresse=ici
        )
    except jetons.DejaEnvoye as premier:
        return jetons.vers_le_premier(request, premier.adresse, ici), []
    except versions.Verrouille as erreur:
        messages.error(request, str(erreur))
        return redirect(ici), []
    except versions.Doublon as erreur:
        messages.error(request, f"{erreur} Rien n'a été enregistré.")
        return redirect(ici), []
    if refus:
        return None, refus
    messages.success(
        request,
        f"{ecrites} ligne{'s' if ecrites > 1 else ''} enregistrée{'s' if ecrites > 1 else ''}."
        if ecrites
        else "Aucune modification à enregistrer.",
    )
    return redirect(ici), []


def contribution(request, slug, partenaire_slug, annee):
    """The partner's lines of the year: for its agents, while it is a draft, one editable grid."""
    contrat, partenaire = _contribution_visible(request, slug, partenaire_slug, annee)
    objet = services.contribution(contrat, partenaire, annee)
    editable = permissions.peut_saisir(request.user, partenaire, contrat) and objet.modifiable_par_les_agents
    grille = saisie.Saisie(contrat, partenaire, annee, _lignes_vides(request))
    formset, refus, statut = None, [], 200
    ici = reverse("engagements:contribution", args=[contrat.slug, partenaire.slug, annee])
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_pourquoi_pas_de_saisie(request.user, partenaire, objet))
        if (deja := jetons.deja_envoye(request)) is not None:  # a double click: its new lines are not added twice
            return jetons.vers_le_premier(request, deja, ici)
        formset = grille.formset(request.POST)
        if formset.is_valid():
            reponse, refus = _enregistrer(request, grille, formset, ici)
            if reponse is not None:
                return reponse
            # Some rows were changed by a colleague: the grid is read again, those rows with their values.
            grille = saisie.Saisie(contrat, partenaire, annee, _lignes_vides(request))
            formset, statut = None, 409
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
        "refus": refus,
        "collecte": collectes.collecte_de(contrat, annee),
        "etat": collectes.etat_de(objet if objet.pk else None, len(grille.lignes)),
        "refus_par_pk": {r.estimation.pk: r for r in refus if r.estimation is not None},
        "peut_soumettre": editable,
        "peut_reprendre": editable and bool(grille.precedent),
        "bilan_ouvrable": annee < timezone.localdate().year and bool(grille.lignes),
        "peut_valider": permissions.peut_piloter(request.user, contrat) and objet.statut == Contribution.Statut.SOUMIS,
        "peut_renvoyer": permissions.peut_piloter(request.user, contrat) and objet.statut == Contribution.Statut.SOUMIS,
        "peut_rouvrir": permissions.peut_piloter(request.user, contrat) and objet.statut == Contribution.Statut.VALIDE,
        "renvoi": RenvoiForm(),
        "historique": historique.journal("contribution", objet.pk) if objet.pk else [],
        "jeton": secrets.token_urlsafe(24),
    }
    return render(request, "engagements/contribution.html", ctx, status=statut)


@require_POST
def contribution_reprendre(request, slug, partenaire_slug, annee):
    contrat, partenaire = _contribution_visible(request, slug, partenaire_slug, annee)
    objet = services.contribution(contrat, partenaire, annee)
    if not (permissions.peut_saisir(request.user, partenaire, contrat) and objet.modifiable_par_les_agents):
        raise PermissionDenied(_pourquoi_pas_de_saisie(request.user, partenaire, objet))
    try:
        n = saisie.Saisie(contrat, partenaire, annee).reprendre(request.user)
    except versions.Verrouille as erreur:
        messages.error(request, str(erreur))
    else:
        if n:
            pluriel = "s" if n > 1 else ""
            messages.success(
                request,
                f"{n} ligne{pluriel} de {annee - 1} reprise{pluriel} : les montants sont laissés "
                f"vides, à saisir pour {annee}.",
            )
        else:
            messages.info(request, f"Toutes les lignes de {annee - 1} figurent déjà en {annee}.")
    return redirect("engagements:contribution", contrat.slug, partenaire.slug, annee)


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
    if action in services.AVEC_COMMENTAIRE:
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
    try:
        services.changer_statut(
            request.user,
            contrat,
            partenaire,
            annee,
            action,
            commentaire,
            nature=nature,
            rien_a_declarer=request.POST.get("rien_a_declarer") == "on",
        )
    except services.TransitionImpossible as erreur:
        messages.error(request, str(erreur))
    else:
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
        messages.success(request, textes[action])
    return redirect(retour, contrat.slug, partenaire.slug, annee)


def bilan_de_l_annee(request, slug, partenaire_slug, annee):
    """What the partner's lines of a past year actually mobilised: for its agents, while the bilan
    is a draft, one grid beside what was planned; then submitted, validated, locked."""
    contrat, partenaire = _contribution_visible(request, slug, partenaire_slug, annee)
    if annee >= timezone.localdate().year:
        raise Http404(f"L'année {annee} n'est pas achevée : son bilan s'ouvre à partir de {annee + 1}.")
    objet = services.contribution(contrat, partenaire, annee, Nature.BILAN)
    editable = permissions.peut_saisir(request.user, partenaire, contrat) and objet.modifiable_par_les_agents
    grille = bilan.Bilan(contrat, partenaire, annee)
    formset, refus, statut = None, [], 200
    ici = reverse("engagements:bilan", args=[contrat.slug, partenaire.slug, annee])
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_pourquoi_pas_de_saisie(request.user, partenaire, objet))
        formset = grille.formset(request.POST)
        if formset.is_valid():
            reponse, refus = _enregistrer(request, grille, formset, ici)
            if reponse is not None:
                return reponse
            grille = bilan.Bilan(contrat, partenaire, annee)
            formset, statut = None, 409
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
        "refus": refus,
        "collecte": collectes.collecte_de(contrat, annee, Nature.BILAN),
        "etat": collectes.etat_de(
            objet if objet.pk else None, sum(1 for e in grille.lignes.values() if bilan.realisation_de(e) is not None)
        ),
        "peut_soumettre": editable and bool(grille.lignes),
        "peut_valider": pilote and objet.statut == Contribution.Statut.SOUMIS,
        "peut_renvoyer": pilote and objet.statut == Contribution.Statut.SOUMIS,
        "peut_rouvrir": pilote and objet.statut == Contribution.Statut.VALIDE,
        "renvoi": RenvoiForm(),
        "historique": historique.journal("contribution", objet.pk) if objet.pk else [],
        "jeton": secrets.token_urlsafe(24),
    }
    return render(request, "engagements/bilan.html", ctx, status=statut)
