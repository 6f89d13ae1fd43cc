"""The strategy tree of a contract: add, rename, reorder, archive (never delete)."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from noyau import historique, versions
from noyau.enregistrement import action, enregistrer, repondre
from noyau.issues import tenter

from ..forms import (
    MODELES_ARBRE,
    NoeudForm,
)
from ..models import (
    Objectif,
    Orientation,
    Pilier,
)
from .communs import entier, pilote, slug_libre


def _noeuds(contrat):
    """Piliers → orientations → objectifs of the contract, archived ones included (marked)."""
    return (
        Pilier.objects.filter(contrat=contrat)
        .select_related("contrat")
        .prefetch_related("orientations__objectifs")
        .order_by("ordre", "pk")
    )


def arbre(request, slug):
    contrat = pilote(request, slug)
    ctx = {
        "contrat": contrat,
        "piliers": _noeuds(contrat),
        "form": NoeudForm(),
        "historique": historique.journal("contrat", contrat.pk)[:30],
    }
    return render(request, "contrat/arbre.html", ctx)


def _freres(objet):
    if isinstance(objet, Pilier):
        return Pilier.objects.filter(contrat_id=objet.contrat_id)
    if isinstance(objet, Orientation):
        return Orientation.objects.filter(pilier_id=objet.pilier_id)
    return Objectif.objects.filter(orientation_id=objet.orientation_id)


def _contrat_du_noeud(objet):
    return historique.suivi(objet).contrat_de(objet)


def _noeud(contrat, nature, pk):
    modele = MODELES_ARBRE.get(nature)
    if modele is None:
        raise Http404("Élément inconnu : pilier, orientation ou objectif.")
    objet = get_object_or_404(modele, pk=pk)
    if _contrat_du_noeud(objet) != contrat.pk:
        raise Http404("Cet élément n'appartient pas à ce contrat.")
    return objet


@require_POST
def noeud_ajouter(request, slug, nature):
    contrat = pilote(request, slug)
    if nature not in MODELES_ARBRE:
        raise Http404("Élément inconnu : pilier, orientation ou objectif.")
    form = NoeudForm(request.POST)
    parent = None
    if nature != "pilier":
        parent = _noeud(
            contrat, "pilier" if nature == "orientation" else "orientation", entier(request.POST.get("parent"))
        )
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for erreurs in form.errors.values() for e in erreurs))
        return redirect("contrat:arbre", contrat.slug)
    donnees = form.cleaned_data
    if nature == "pilier":
        objet = Pilier(contrat=contrat)
    elif nature == "orientation":
        objet = Orientation(pilier=parent)
    else:
        objet = Objectif(orientation=parent)
    objet.code, objet.intitule = donnees["code"], donnees["intitule"]
    freres = _freres(objet)
    portee = {"pilier": {"contrat": contrat}, "orientation": {"pilier": parent}, "objectif": {"orientation": parent}}
    objet.slug = slug_libre(type(objet), donnees["code"] or donnees["intitule"], **portee[nature])
    objet.ordre = (freres.aggregate(m=Max("ordre"))["m"] or 0) + 1
    ici = reverse("contrat:arbre", args=[contrat.slug])
    issue = tenter(lambda: versions.creer(request.user, objet))
    return repondre(request, issue, message=f"« {objet.intitule} » est ajouté.", suite=ici, retour=ici)


def noeud_modifier(request, slug, nature, pk):
    contrat = pilote(request, slug)
    objet = _noeud(contrat, nature, pk)
    pilier = isinstance(objet, Pilier)
    form = NoeudForm(
        request.POST or None,
        nouveau=False,
        pilier=pilier,
        initial={
            "code": objet.code,
            "intitule": objet.intitule,
            "version": objet.version,
            "presentation": getattr(objet, "presentation", ""),
        },
    )

    def ecrire():
        objet.code, objet.intitule = form.cleaned_data["code"], form.cleaned_data["intitule"]
        if pilier:
            objet.presentation = form.cleaned_data["presentation"].strip()
        versions.modifier(request.user, objet, form.cleaned_data["version"])

    arbre = reverse("contrat:arbre", args=[contrat.slug])
    return enregistrer(
        request,
        form,
        ecrire,
        gabarit="contrat/formulaire.html",
        contexte={
            "contrat": contrat,
            "retour": "contrat:arbre",
            "titre": f"Modifier « {objet.intitule} »" if pilier else f"Renommer « {objet.intitule} »",
        },
        message="L'intitulé et la présentation sont enregistrés." if pilier else "L'intitulé est enregistré.",
        suite=arbre,
        retour=arbre,
    )


@require_POST
def noeud_deplacer(request, slug, nature, pk, sens):
    """Moves an item up or down among its siblings: the two swap ranks, each through the write service."""
    contrat = pilote(request, slug)
    if sens not in ("monter", "descendre"):
        raise Http404("Déplacement inconnu : « monter » ou « descendre ».")
    objet = _noeud(contrat, nature, pk)

    def deplacer():
        freres = list(_freres(objet).order_by("ordre", "pk"))
        i = next(i for i, f in enumerate(freres) if f.pk == objet.pk)
        j = i - 1 if sens == "monter" else i + 1
        if 0 <= j < len(freres):
            # Ranks made distinct first, so that a swap always moves something.
            rangs = list(range(1, len(freres) + 1))
            rangs[i], rangs[j] = rangs[j], rangs[i]
            with transaction.atomic():
                for frere, rang in zip(freres, rangs, strict=True):
                    if frere.ordre != rang:
                        frere.ordre = rang
                        versions.modifier(request.user, frere, frere.version)

    # A second click (or a page shown before a colleague's change) moves nothing.
    return action(
        request,
        objet,
        deplacer,
        perimee=f"« {objet.intitule} » a changé de place ou a été modifié depuis que la page a été affichée : "
        "rien n'a été déplacé.",
        retour=reverse("contrat:arbre", args=[contrat.slug]),
    )


@require_POST
def noeud_archiver(request, slug, nature, pk):
    """Archives (or brings back) an item: never deleted, so that the lines that serve it keep their place."""
    contrat = pilote(request, slug)
    objet = _noeud(contrat, nature, pk)
    etat = "archivé" if objet.archive else "proposé"

    def basculer():
        lue = objet.version
        objet.archive = not objet.archive
        versions.modifier(request.user, objet, lue)
        return f"« {objet.intitule} » est {'archivé' if objet.archive else 'de nouveau proposé'}."

    # The button says what the page showed: archiving twice (a double click, a second tab) is not unarchiving.
    return action(
        request,
        objet,
        basculer,
        perimee=f"« {objet.intitule} » a changé depuis que la page a été affichée (il est maintenant {etat}) : "
        "rien n'a été fait.",
        retour=reverse("contrat:arbre", args=[contrat.slug]),
    )
