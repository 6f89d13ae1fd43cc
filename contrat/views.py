from django.db.models import Max, Prefetch
from django.shortcuts import get_object_or_404, render

from noyau import pagination

from . import permissions
from .models import Contrat, Partenaire, Pilier, Signataire
from .tables import ContratTable


def liste(request):
    contrats = Contrat.objects.visible_to(request.user).select_related("porteur")
    table = ContratTable(contrats)
    pagination.configurer(request, table, 50)
    return render(request, "contrat/liste.html", {"table": table})


def detail(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user).select_related("porteur"), slug=slug)
    # The articles of reciprocal commitments are read through their relations: this app sits
    # below the apps that define them.
    documents = contrat.documents.prefetch_related(
        Prefetch("signataires", queryset=Signataire.objects.select_related("partenaire")),
        "articles__engagements__partenaire",
    )
    mes_partenaires = Partenaire.objects.filter(pk__in=permissions.partenaires_agent(request.user, contrat))
    annee_collecte = contrat.dispositifs.aggregate(m=Max("estimations__annee"))["m"] or contrat.annee_debut
    ctx = {
        "pilote": permissions.peut_piloter(request.user, contrat),
        "saisie": request.user.is_superuser or mes_partenaires.exists(),
        "mes_partenaires": mes_partenaires,
        "annee_collecte": annee_collecte,
        "contrat": contrat,
        "documents": documents,
        "communes": contrat.communes.all(),
        "perimetre": contrat.perimetre.select_related("quartier__commune"),
        "piliers": Pilier.objects.filter(contrat=contrat)
        .select_related("contrat")
        .prefetch_related("orientations__objectifs"),
        "annees_contrat": list(range(contrat.annee_debut, contrat.annee_fin_effective + 1)),
    }
    return render(request, "contrat/detail.html", ctx)
