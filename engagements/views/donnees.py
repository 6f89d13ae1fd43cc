"""The open data of a contract (CSV and JSON) and its Table Schema."""

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from contrat.models import Contrat
from noyau import telechargements

from ..donnees import SCHEMA, en_csv, en_json


@login_not_required
def engagements(request, slug, format):
    contrat = get_object_or_404(Contrat, slug=slug)
    if not contrat.donnees_publiques:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not Contrat.objects.visible_to(request.user).filter(pk=contrat.pk).exists():
            raise Http404("Aucun contrat à cette adresse.")
    nom = f"engagements-{contrat.slug}.{format}"
    if format == "csv":
        return telechargements.csv(en_csv(contrat), nom)
    if format == "json":
        schema_url = request.build_absolute_uri(reverse("engagements:schema_engagements"))
        return telechargements.fichier(
            en_json(contrat, schema_url), nom, "application/json; charset=utf-8", joint=False
        )
    raise Http404("Formats proposés : csv, json.")


@login_not_required
def schema(request):
    return HttpResponse(SCHEMA.read_bytes(), content_type="application/json; charset=utf-8")
