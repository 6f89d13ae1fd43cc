"""The signed documents of a contract and their signatories."""

from django.db.models import Max
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from noyau import versions
from noyau.enregistrement import creation

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
        reponse = creation(
            request,
            form,
            lambda: versions.creer(request.user, document),
            champ="titre",
            message=f"Le document « {document.titre} » est enregistré.",
            suite=reverse("contrat:documents", args=[contrat.slug]),
        )
        if reponse is not None:
            return reponse
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
        signataire = Signataire(
            document=donnees["document"],
            partenaire=donnees["partenaire"],
            representant=donnees["representant"],
            qualite=donnees["qualite"],
            ordre=rang,
        )
        reponse = creation(
            request,
            form,
            lambda: versions.creer(request.user, signataire),
            champ="partenaire",
            message=f"{donnees['partenaire'].nom} signe « {donnees['document'].titre} ».",
            suite=reverse("contrat:documents", args=[contrat.slug]),
        )
        if reponse is not None:
            return reponse
    return _page_documents(request, contrat, DocumentForm(instance=Document(contrat=contrat)), form, 400)
