"""A dispositif's page, and the forms of a dispositif and of its estimations."""

from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contrat import permissions
from contrat.models import Contrat, Partenaire
from noyau import historique, jetons, versions
from noyau.enregistrement import action, enregistrer, repondre
from noyau.formulaires import formulaires_refuses
from noyau.issues import tenter

from .. import services
from ..forms import DispositifForm, EstimationForm
from ..models import Dispositif, Estimation


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
        issue = tenter(
            lambda: jetons.une_fois(
                form.cleaned_data.get("jeton"),
                lambda: versions.creer(
                    request.user,
                    objet,
                    {"objectifs": form.cleaned_data["objectifs"], "quartiers": form.cleaned_data["quartiers"]},
                ),
            ),
            champ="intitule",
        )
        reponse = repondre(
            request,
            issue,
            message="Le dispositif est créé. Ajoutez-lui ses estimations financières.",
            suite=lambda objet: objet,
            retour=contrat.get_absolute_url(),
            form=form,
        )
        if reponse is not None:
            return reponse
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
    return enregistrer(
        request,
        form,
        lambda: versions.modifier(
            request.user,
            form.save(commit=False),
            form.cleaned_data["version"],
            {"objectifs": form.cleaned_data["objectifs"], "quartiers": form.cleaned_data["quartiers"]},
        ),
        gabarit="engagements/dispositif_form.html",
        contexte={"contrat": objet.contrat, "dispositif": objet, "titre": f"Modifier « {objet.intitule} »"},
        message="Vos modifications sont enregistrées.",
        suite=objet,
        retour=objet.contrat.get_absolute_url(),
    )


@require_POST
def dispositif_archiver(request, pk):
    objet = _dispositif_modifiable(request, pk)

    def archiver():
        services.archiver(request.user, objet, objet.version)
        return f"Le dispositif « {objet.intitule} » est archivé : il ne figure plus dans l'annexe."

    return action(
        request,
        objet,
        archiver,
        perimee="Ce dispositif a été modifié depuis que la page a été affichée : relisez-le avant de l'archiver.",
        retour=objet.get_absolute_url(),
        suite=objet.contrat.get_absolute_url(),
    )


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
        issue = tenter(
            lambda: jetons.une_fois(
                form.cleaned_data.get("jeton"),
                lambda: versions.creer(request.user, form.save(commit=False)),
                adresse=dispositif_.get_absolute_url(),
            ),
            champ="annee",
        )
        reponse = repondre(
            request,
            issue,
            message="L'estimation est enregistrée.",
            suite=dispositif_,
            retour=dispositif_.get_absolute_url(),
            form=form,
        )
        if reponse is not None:
            return reponse
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
    return enregistrer(
        request,
        form,
        lambda: versions.modifier(request.user, form.save(commit=False), form.cleaned_data["version"]),
        gabarit="engagements/estimation_form.html",
        contexte={
            "dispositif": objet.dispositif,
            "estimation": objet,
            "titre": f"Estimation {objet.annee} — {objet.dispositif.intitule}",
        },
        message="L'estimation est enregistrée.",
        suite=objet.dispositif,
        retour=objet.dispositif.get_absolute_url(),
        doublon="annee",
    )


def estimation_supprimer(request, pk):
    objet = _estimation_modifiable(request, pk)
    if request.method == "POST":

        def supprimer():
            versions.supprimer(request.user, objet, objet.version)
            return "L'estimation est supprimée."

        return action(
            request,
            objet,
            supprimer,
            perimee="Cette estimation a été modifiée depuis que la page a été affichée : relisez-la avant de la "
            "supprimer.",
            retour=objet.dispositif.get_absolute_url(),
        )
    return render(request, "engagements/estimation_supprimer.html", {"estimation": objet})
