"""An instance offered to other contracts (a departmental body) appears in one of them only once its
chef de projet has accepted it; he may withdraw it. Each step goes through the write service, so the
offer is in the offering contract's history and the consent in the other's."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from contrat import permissions
from contrat.models import Contrat
from noyau import versions
from noyau.enregistrement import action, repondre
from noyau.issues import DOUBLON, tenter

from .models import Instance, PartageInstance


def suivre_les_offres(user, instance, offerts):
    """After the offers of `instance` are written: a contract no longer offered loses its consent; one the
    user leads himself consents at once (his offer is his consent)."""
    offerts = {c.pk for c in offerts}
    for partage in PartageInstance.objects.filter(instance=instance).exclude(contrat_id__in=offerts):
        versions.supprimer(user, partage, partage.version)
    deja = set(PartageInstance.objects.filter(instance=instance).values_list("contrat_id", flat=True))
    for contrat_id in (offerts & permissions.contrats_pilotes(user)) - deja:
        versions.creer(user, PartageInstance(instance=instance, contrat_id=contrat_id))


def _contrat_pilote(request, slug):
    return Contrat.objects.pilote_par(
        request.user,
        slug,
        "Seul le chef de projet du contrat accepte ou retire une instance qu'un autre contrat lui propose.",
    )


@require_POST
def accepter(request, slug, pk):
    contrat = _contrat_pilote(request, slug)
    instance = get_object_or_404(Instance.objects.proposees_a(contrat), pk=pk)
    ici = reverse("gouvernance:page", args=[contrat.slug])
    issue = tenter(lambda: versions.creer(request.user, PartageInstance(instance=instance, contrat=contrat)))
    if issue.nature == DOUBLON:  # accepted meanwhile (a double click, a colleague): the page was stale
        issue.message = f"« {instance.nom} » est déjà acceptée dans ce contrat : rien n'a été fait."
    return repondre(
        request,
        issue,
        message=f"« {instance.nom} » ({instance.contrat.nom}) paraît désormais dans la gouvernance du contrat.",
        suite=ici,
        retour=ici,
    )


@require_POST
def retirer(request, slug, pk):
    contrat = _contrat_pilote(request, slug)
    partage = get_object_or_404(PartageInstance.objects.select_related("instance"), instance_id=pk, contrat=contrat)

    def ote():
        versions.supprimer(request.user, partage, partage.version)
        return (
            f"« {partage.instance.nom} » ne paraît plus dans la gouvernance du contrat ; son "
            "contrat peut toujours la proposer."
        )

    # A second click finds the share gone (404 above); a share changed meanwhile: 409, nothing done.
    return action(
        request,
        partage,
        ote,
        perimee="Cette instance a déjà été retirée ou a changé depuis que la page a été affichée : rien n'a été fait.",
        retour=reverse("gouvernance:page", args=[contrat.slug]),
        version=partage.version,
    )
