from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from contrat.models import Contrat

from . import exports
from .annexe import Annexe
from .forms import AnnexeFiltreForm
from .models import Dispositif


def _annexe_for_request(request, slug):
    """The contract the user may see, the filter form, and the annexe when the filters are valid."""
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    form = AnnexeFiltreForm(contrat, request.GET)  # every filter is optional: always bound
    if not form.is_valid():
        return contrat, form, None
    annexe = Annexe(contrat, form.cleaned_data["annee"], form.cleaned_data["partenaire"])
    return contrat, form, annexe


def annexe_financiere(request, slug):
    contrat, form, annexe = _annexe_for_request(request, slug)
    ctx = {"contrat": contrat, "form": form, "annexe": annexe, "query": request.GET.urlencode()}
    return render(request, "engagements/annexe.html", ctx, status=200 if annexe else 400)


def _refus_filtres(form):
    erreurs = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return HttpResponseBadRequest(f"Filtres invalides : {erreurs}", content_type="text/plain; charset=utf-8")


def _nom_fichier(annexe, extension):
    suffixe = f"-{annexe.partenaire.slug}" if annexe.partenaire_filtre else ""
    return f"annexe-financiere-{annexe.contrat.slug}-{annexe.annee}{suffixe}.{extension}"


def annexe_financiere_pdf(request, slug):
    contrat, form, annexe = _annexe_for_request(request, slug)
    if annexe is None:
        return _refus_filtres(form)
    contenu = exports.annexe_pdf(annexe, edition=timezone.localdate())
    response = HttpResponse(contenu, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_nom_fichier(annexe, "pdf")}"'
    return response


def annexe_financiere_xlsx(request, slug):
    contrat, form, annexe = _annexe_for_request(request, slug)
    if annexe is None:
        return _refus_filtres(form)
    contenu = exports.annexe_xlsx(annexe, edition=timezone.localdate())
    response = HttpResponse(
        contenu, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_nom_fichier(annexe, "xlsx")}"'
    return response


def dispositif(request, pk):
    objet = get_object_or_404(
        Dispositif.objects.visible_to(request.user).select_related("contrat", "partenaire"), pk=pk
    )
    ctx = {
        "dispositif": objet,
        "objectifs": objet.objectifs.select_related("orientation__pilier"),
        "estimations": objet.estimations.select_related("partenaire").order_by("annee", "partenaire__nom"),
        "quartiers": objet.quartiers.select_related("commune"),
    }
    return render(request, "engagements/dispositif.html", ctx)
