"""The page that follows a file made in the background, and the file once ready."""

from django.shortcuts import get_object_or_404, redirect, render

from contrat.models import Contrat

from ..exports_differes import NATURES, servir
from ..models import Export


def _export_visible(request, pk):
    return get_object_or_404(
        Export.objects.select_related("contrat").filter(
            contrat__in=Contrat.objects.visible_to(request.user), nature__in=NATURES
        ),
        pk=pk,
    )


def suivi(request, pk):
    """The progress page: reloads itself (no script: a meta refresh) until the file is ready."""
    export = _export_visible(request, pk)
    return render(request, "engagements/export.html", {"export": export, "contrat": export.contrat})


def fichier(request, pk):
    export = _export_visible(request, pk)
    if export.statut != Export.Statut.PRET:
        return redirect(export)
    return servir(export)
