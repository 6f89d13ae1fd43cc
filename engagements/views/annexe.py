"""The annexe financière of a contract: its page, its PDF and its workbook (made in the background when large)."""

from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from contrat import permissions
from contrat.models import Contrat
from noyau import telechargements

from .. import exports, exports_differes
from ..annexe import Annexe
from ..forms import AnnexeFiltreForm


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
