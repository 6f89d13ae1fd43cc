"""The open data of a contract (CSV and JSON) and its Table Schema."""

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from contrat.models import REGIONS, Contrat

from ..donnees import SCHEMA, TYPES, fichier_de_la_region, garde


@login_not_required
def engagements(request, slug, format):
    contrat = get_object_or_404(Contrat, slug=slug)
    if not contrat.donnees_publiques:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not Contrat.objects.visible_to(request.user).filter(pk=contrat.pk).exists():
            raise Http404("Aucun contrat à cette adresse.")
    if format not in TYPES:
        raise Http404("Formats proposés : csv, json.")
    # Served from the kept file while the contract's data have not changed, streamed in blocks.
    export = garde(contrat, format, request.build_absolute_uri(reverse("engagements:schema_engagements")))
    reponse = FileResponse(export.fichier.open("rb"), content_type=TYPES[format])
    disposition = "attachment" if format == "csv" else "inline"
    reponse["Content-Disposition"] = f'{disposition}; filename="{export.nom_fichier}"'
    return reponse


@login_not_required
def region(request, code, format):
    """The published contracts of a région, in one file of the same schema (for whoever asks: only the
    contracts whose chef de projet published their data)."""
    if code not in REGIONS:
        raise Http404("Aucune région n'a ce code (codes officiels : 27 pour la Bourgogne-Franche-Comté, 11…).")
    if format not in TYPES:
        raise Http404("Formats proposés : csv, json.")
    contrats = Contrat.objects.de_la_region(code).filter(donnees_publiques=True).order_by("slug")
    schema_ = request.build_absolute_uri(reverse("engagements:schema_engagements"))
    reponse = FileResponse(fichier_de_la_region(contrats, code, format, schema_), content_type=TYPES[format])
    disposition = "attachment" if format == "csv" else "inline"
    reponse["Content-Disposition"] = f'{disposition}; filename="engagements-region-{code}.{format}"'
    return reponse


@login_not_required
def schema(request):
    return HttpResponse(SCHEMA.read_bytes(), content_type="application/json; charset=utf-8")
