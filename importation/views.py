"""Import of an annexe financière in the browser: upload → preview → confirm, by the chef de projet."""

import hashlib

from django.contrib import messages
from django.core.files.base import ContentFile
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contrat.models import Contrat

from .annexe import ImportPerime, analyser, appliquer
from .forms import ImportAnnexeForm
from .models import ImportAnnexe


def _contrat_pilote(request, slug):
    return Contrat.objects.pilote_par(
        request.user, slug, "Seul le chef de projet du contrat importe une annexe financière."
    )


def importer(request, slug):
    contrat = _contrat_pilote(request, slug)
    form = ImportAnnexeForm(contrat, request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(
            request, "importation/import.html", {"contrat": contrat, "form": form}, status=400 if form.is_bound else 200
        )
    fichier = form.cleaned_data["fichier"]
    contenu = fichier.read()
    rapport = analyser(contenu, contrat, form.cleaned_data["partenaire"], nom_fichier=fichier.name)
    objet = None
    if rapport.accepte:
        # Kept until the confirmation, which reads it again: what is written is what was previewed.
        objet = ImportAnnexe(
            contrat=contrat,
            partenaire=form.cleaned_data["partenaire"],
            nom_fichier=fichier.name[:255],
            empreinte=rapport.empreinte,
            cree_par=request.user,
        )
        objet.fichier.save(f"{hashlib.sha256(contenu).hexdigest()[:16]}.xlsx", ContentFile(contenu), save=True)
    ctx = {"contrat": contrat, "form": form, "rapport": rapport, "import": objet}
    return render(request, "importation/import.html", ctx, status=200 if rapport.accepte else 422)


class DejaImporte(Exception):
    pass


@require_POST
def confirmer(request, pk):
    objet = get_object_or_404(ImportAnnexe.objects.select_related("contrat", "partenaire"), pk=pk)
    contrat = _contrat_pilote(request, objet.contrat.slug)
    form = ImportAnnexeForm(contrat)
    if objet.applique_le:
        messages.info(
            request, f"Ce fichier a déjà été importé le {timezone.localtime(objet.applique_le):%d/%m/%Y à %H:%M}."
        )
        return redirect(_annexe(objet))
    with objet.fichier.open("rb") as f:
        rapport = analyser(f.read(), contrat, objet.partenaire, nom_fichier=objet.nom_fichier)
    ctx = {"contrat": contrat, "form": form, "rapport": rapport, "import": objet if rapport.accepte else None}
    if not rapport.accepte or rapport.empreinte != request.POST.get("empreinte"):
        # Someone changed the annexe since the preview: show what the import would do now.
        objet.empreinte = rapport.empreinte
        objet.save(update_fields=["empreinte"])
        ctx["perime"] = True
        return render(request, "importation/import.html", ctx, status=409)
    try:
        with transaction.atomic():
            # Claimed by a compare-and-set, so that two confirmations at once apply the file once.
            if not ImportAnnexe.objects.filter(pk=objet.pk, applique_le__isnull=True).update(
                applique_le=timezone.now(), resume=rapport.texte()
            ):
                raise DejaImporte
            appliquer(rapport, request.user)
    except DejaImporte:
        messages.info(
            request, "Ce fichier vient d'être importé par une autre confirmation : il ne l'est pas deux fois."
        )
        return redirect(_annexe(objet))
    except ImportPerime:
        ctx["perime"] = True
        return render(request, "importation/import.html", ctx, status=409)
    compte = rapport.compte
    messages.success(
        request,
        f"Import enregistré : {compte['creation']} création(s), {compte['modification']} mise(s) à jour, "
        f"{compte['inchange']} ligne(s) inchangée(s).",
    )
    return redirect(_annexe(objet, rapport.annee))


def _annexe(objet, annee=None):
    url = reverse("engagements:annexe", args=[objet.contrat.slug]) + f"?partenaire={objet.partenaire.slug}"
    return url + (f"&annee={annee}" if annee else "")
