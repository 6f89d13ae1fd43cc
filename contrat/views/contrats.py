"""The contracts: the list, a contract's page, its creation (administrateur) and its details (chef de projet)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from noyau import jetons, pagination, versions
from noyau.enregistrement import enregistrer, repondre
from noyau.issues import tenter

from .. import invitations, permissions, references
from ..forms import (
    ContratCreationForm,
    ContratForm,
)
from ..models import (
    Contrat,
    Membre,
    Partenaire,
    Pilier,
    Signataire,
)
from ..tables import ContratTable
from .communs import pilote, slug_libre


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
    # The lines by their own contract (the end of one range of the index (contrat, annee, partenaire)), not
    # through a join of the dispositifs; the model reached by its relation, as contrat imports no app above it.
    lignes = contrat.dispositifs.model._meta.get_field("estimations").related_model.objects.filter(contrat=contrat)
    annee_collecte = lignes.aggregate(m=Max("annee"))["m"] or contrat.annee_debut
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


def contrat_creer(request):
    """The administrateur's one page: a contract, and the invitation of its chef(s) de projet."""
    if not request.user.is_staff:
        raise PermissionDenied("Seul un administrateur crée un contrat ; son chef de projet le gère ensuite.")
    if request.method == "POST" and (deja := jetons.deja_envoye(request)) is not None:
        return jetons.vers_le_premier(request, deja, reverse("contrat:liste"))
    form = ContratCreationForm(request.POST or None, instance=Contrat())
    if request.method == "POST" and form.is_valid():
        contrat = form.save(commit=False)

        def creer():
            # A second click makes no second contract (nor a second invitation): the form's token.
            nouveau = form.porteur_nouveau()
            if nouveau is not None:  # a new territory's intercommunality, made with its contract
                contrat.porteur = references.partenaire(nouveau)
            contrat.slug = slug_libre(Contrat, contrat.nom)
            versions.creer(request.user, contrat, {"communes": [], "partenaires": [contrat.porteur]})
            for adresse in form.cleaned_data["chefs"]:
                invitations.inviter(request.user, contrat, adresse, Membre.Role.CHEF_DE_PROJET, contrat.porteur)
            return contrat

        # A second click is sent to the contract the first one made.
        issue = tenter(lambda: jetons.une_fois(form.cleaned_data.get("jeton"), creer), champ="nom")
        reponse = repondre(
            request,
            issue,
            message=f"Le contrat est créé ; invitation envoyée à {', '.join(form.cleaned_data['chefs'])}.",
            suite=lambda contrat: reverse("contrat:membres", args=[contrat.slug]),
            retour=reverse("contrat:liste"),
            form=form,
        )
        if reponse is not None:
            return reponse
    statut = 400 if form.errors else 200
    return render(request, "contrat/formulaire.html", {"form": form, "titre": "Nouveau contrat"}, status=statut)


def contrat_modifier(request, slug):
    contrat = pilote(request, slug)
    form = ContratForm(request.POST or None, instance=contrat, initial={"version": contrat.version})
    return enregistrer(
        request,
        form,
        lambda: versions.modifier(request.user, form.save(commit=False), form.cleaned_data["version"]),
        gabarit="contrat/formulaire.html",
        contexte={"contrat": contrat, "titre": f"Modifier « {contrat.nom} »"},
        message="Le contrat est enregistré.",
        suite=contrat,
        retour=reverse("contrat:liste"),
    )
