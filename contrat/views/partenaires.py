"""The partners of a contract."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from noyau import versions
from noyau.enregistrement import repondre
from noyau.issues import tenter

from .. import references
from ..forms import (
    PartenaireForm,
)
from ..models import (
    Contrat,
    Partenaire,
)
from .communs import pilote


def partenaires(request, slug):
    """Search the organisations first; add one to the contract, or create it when it is absent."""
    contrat = pilote(request, slug)
    texte = (request.GET.get("q") or "").strip()[:100]
    trouves = []
    if texte:
        trouves = Partenaire.objects.filter(Q(nom__icontains=texte) | Q(sigle__icontains=texte) | Q(siren=texte))[:20]
    form = PartenaireForm(request.POST or None, initial={"nom": texte})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # the new organisation and the contract's entry that names it, or neither
            partenaire = references.partenaire(form.save(commit=False))
            actuel = Contrat.objects.get(pk=contrat.pk)
            versions.modifier(
                request.user,
                actuel,
                actuel.version,
                {"communes": list(actuel.communes.all()), "partenaires": [*actuel.partenaires.all(), partenaire]},
            )
        messages.success(request, f"{partenaire.nom} est créée et ajoutée au contrat : vous pouvez inviter ses agents.")
        return redirect("contrat:partenaires", contrat.slug)
    ctx = {
        "contrat": contrat,
        "form": form,
        "texte": texte,
        "trouves": trouves,
        "du_contrat": Partenaire.objects.du_contrat(contrat),
    }
    return render(request, "contrat/partenaires.html", ctx, status=400 if form.errors else 200)


@require_POST
def partenaire_ajouter(request, slug, pk):
    contrat = pilote(request, slug)
    partenaire = get_object_or_404(Partenaire, pk=pk)
    actuel = Contrat.objects.get(pk=contrat.pk)

    def ajouter():
        if partenaire not in actuel.partenaires.all():  # added already (a double click): nothing to write
            m2m = {"communes": list(actuel.communes.all()), "partenaires": [*actuel.partenaires.all(), partenaire]}
            versions.modifier(request.user, actuel, actuel.version, m2m)
        return actuel

    ici = reverse("contrat:partenaires", args=[contrat.slug])
    issue = tenter(ajouter)
    return repondre(request, issue, message=f"{partenaire.nom} est un partenaire du contrat.", suite=ici, retour=ici)
