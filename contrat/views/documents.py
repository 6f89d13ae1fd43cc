"""The signed documents of a contract and their signatories."""

from django.contrib import messages
from django.db.models import Max
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from noyau import versions

from ..forms import (
    DocumentForm,
    SignataireForm,
)
from ..models import (
    Document,
    Signataire,
)
from .communs import pilote, slug_libre


def documents(request, slug):
    contrat = pilote(request, slug)
    form = DocumentForm(request.POST or None, request.FILES or None, instance=Document(contrat=contrat))
    signataire = SignataireForm(contrat=contrat)
    if request.method == "POST" and form.is_valid():
        document = form.save(commit=False)
        document.slug = slug_libre(Document, document.titre, contrat=contrat)
        document.ordre = (contrat.documents.aggregate(m=Max("ordre"))["m"] or 0) + 1
        versions.creer(request.user, document)
        messages.success(request, f"Le document « {document.titre} » est enregistré.")
        return redirect("contrat:documents", contrat.slug)
    return _page_documents(request, contrat, form, signataire, 400 if form.errors else 200)


def _page_documents(request, contrat, form, signataire, status):
    ctx = {
        "contrat": contrat,
        "form": form,
        "signataire_form": signataire,
        "documents": contrat.documents.prefetch_related("signataires__partenaire"),
    }
    return render(request, "contrat/documents.html", ctx, status=status)


@require_POST
def signataire_ajouter(request, slug):
    contrat = pilote(request, slug)
    form = SignataireForm(request.POST, contrat=contrat)
    if form.is_valid():
        donnees = form.cleaned_data
        rang = (donnees["document"].signataires.aggregate(m=Max("ordre"))["m"] or 0) + 1
        try:
            versions.creer(
                request.user,
                Signataire(
                    document=donnees["document"],
                    partenaire=donnees["partenaire"],
                    representant=donnees["representant"],
                    qualite=donnees["qualite"],
                    ordre=rang,
                ),
            )
        except versions.Doublon as refus:
            form.add_error("partenaire", str(refus))
        else:
            messages.success(request, f"{donnees['partenaire'].nom} signe « {donnees['document'].titre} ».")
            return redirect("contrat:documents", contrat.slug)
    return _page_documents(request, contrat, DocumentForm(instance=Document(contrat=contrat)), form, 400)
