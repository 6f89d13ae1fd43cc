"""The perimeter of a contract: its communes, its quartiers, the official list of the QPV."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from noyau import versions
from noyau.conflits import page_perimee
from noyau.enregistrement import action, repondre
from noyau.issues import DOUBLON, tenter

from .. import references
from ..forms import (
    CommuneForm,
    QuartierForm,
)
from ..models import (
    Contrat,
    PerimetreQuartier,
    QuartierPrioritaire,
)
from .communs import entier, pilote


def _page_perimetre(request, contrat, commune=None, quartier=None, status=200):
    recherche = " ".join((request.GET.get("qpv") or "").split())[:100]
    ctx = {
        "contrat": contrat,
        "commune_form": commune or CommuneForm(prefix="commune"),
        "quartier_form": quartier or QuartierForm(prefix="quartier", contrat=contrat),
        "communes": contrat.communes.all(),
        "perimetre": contrat.perimetre.select_related("quartier__commune", "qpv"),
        "recherche": recherche,
        "trouves": _qpv_trouves(recherche),
        "natures": PerimetreQuartier.Nature.choices[:2],
        "liste_chargee": QuartierPrioritaire.objects.exists(),
        # The quartiers of the perimeter not yet linked to the official list: a 2015 one awaits its successor.
        "sans_successeur": contrat.perimetre.filter(qpv__isnull=True).select_related("quartier__commune"),
    }
    return render(request, "contrat/perimetre.html", ctx, status=status)


def _apres_recherche(request, contrat):
    """Back to the perimeter with the official list's search as it was: its results stay for the next add."""
    from urllib.parse import urlencode

    ici = reverse("contrat:perimetre", args=[contrat.slug])
    recherche = " ".join((request.POST.get("recherche") or "").split())[:100]
    return f"{ici}?{urlencode({'qpv': recherche})}#qpv-trouves" if recherche else ici


def _qpv_trouves(texte):
    """The official list's quartiers whose name, code, commune or INSEE code holds the text."""
    if not texte:
        return []
    filtre = (
        Q(nom__icontains=texte)
        | Q(code__istartswith=texte)
        | Q(communes__nom__icontains=texte)
        | Q(communes__code_insee=texte)
    )
    trouves = QuartierPrioritaire.objects.filter(filtre).values("pk").distinct()
    return list(QuartierPrioritaire.objects.filter(pk__in=trouves).prefetch_related("communes").order_by("code")[:30])


@require_POST
def qpv_ajouter(request, slug):
    """Adds a quartier of the official list to the perimeter: its communes join the contract's."""
    contrat = pilote(request, slug)
    qpv = get_object_or_404(
        QuartierPrioritaire.objects.prefetch_related("communes"), pk=entier(request.POST.get("qpv"))
    )
    nature = request.POST.get("nature")
    if nature not in PerimetreQuartier.Nature.values:
        messages.error(request, "Choisissez la nature du quartier : prioritaire ou de veille.")
        return redirect(reverse("contrat:perimetre", args=[contrat.slug]) + f"?qpv={qpv.code}")
    communes = list(qpv.communes.all())
    ajoutees = []

    @transaction.atomic
    def ajouter():
        # The shared quartier of that code, or a new one; never changed here: the code and the QPV
        # are this contract's, on its own link. A refusal undoes the communes added with it.
        quartier = references.quartier_du_qpv(qpv, communes[0])
        deja = list(contrat.communes.all())
        ajoutees[:] = [c for c in communes if c not in deja]
        if ajoutees:
            _communes_du_contrat(request, contrat, [*deja, *ajoutees])
        return versions.creer(
            request.user,
            PerimetreQuartier(contrat=contrat, quartier=quartier, nature=nature, code=qpv.code, qpv=qpv),
        )

    issue = tenter(ajouter)
    if issue.nature == DOUBLON:
        issue.message = f"{qpv.nom} ({qpv.code}) figure déjà dans le périmètre : rien n'a été ajouté."
    ici = _apres_recherche(request, contrat)
    return repondre(
        request,
        issue,
        message=lambda _: (
            f"{qpv.nom} ({qpv.code}) est dans le périmètre"
            + (f" ; {', '.join(c.nom for c in ajoutees)} aussi." if ajoutees else ".")
        ),
        suite=ici,
        retour=ici,
    )


@require_POST
def quartier_successeur(request, slug):
    """Links a quartier of the perimeter (a 2015 one) to the quartier of the official list that succeeds it,
    in this contract: the link is the contract's (versioned, in its history), the shared quartier unchanged."""
    contrat = pilote(request, slug)
    lien = get_object_or_404(
        PerimetreQuartier.objects.select_related("quartier"), pk=entier(request.POST.get("lien")), contrat=contrat
    )
    qpv = get_object_or_404(QuartierPrioritaire, pk=entier(request.POST.get("qpv")))
    retour = reverse("contrat:perimetre", args=[contrat.slug])
    if lien.qpv_id is not None:  # linked meanwhile (or the button pressed twice): the page offered it unlinked
        return page_perimee(
            request, f"{lien.quartier.nom} a déjà pour successeur {lien.qpv} : rien n'est changé.", retour
        )

    def lier():
        lien.qpv = qpv
        versions.modifier(request.user, lien, lien.version)
        return f"{lien.quartier.nom} a pour successeur {qpv.nom} ({qpv.code})."

    # The select offers many links: the version compared is the one read now, the refusal above covers the page.
    return action(
        request,
        lien,
        lier,
        perimee=f"{lien.quartier.nom} a été modifié entre-temps : relisez le périmètre. Rien n'est changé.",
        retour=retour,
        suite=_apres_recherche(request, contrat),
        version=lien.version,
    )


def perimetre(request, slug):
    return _page_perimetre(request, pilote(request, slug))


def _communes_du_contrat(request, contrat, communes):
    """Writes the contract's communes (a tracked link of the contract) through the write service."""
    actuel = Contrat.objects.get(pk=contrat.pk)
    versions.modifier(
        request.user, actuel, actuel.version, {"communes": communes, "partenaires": list(actuel.partenaires.all())}
    )


@require_POST
def commune_ajouter(request, slug):
    contrat = pilote(request, slug)
    form = CommuneForm(request.POST, prefix="commune")
    if not form.is_valid():
        return _page_perimetre(request, contrat, commune=form, status=400)
    with transaction.atomic():  # the new commune and the contract's entry that names it, or neither
        commune = references.commune(form.cleaned_data["nom"], form.cleaned_data["code_insee"])
        _communes_du_contrat(request, contrat, [*contrat.communes.all(), commune])
    messages.success(request, f"{commune.nom} est dans le périmètre.")
    return redirect("contrat:perimetre", contrat.slug)


@require_POST
def commune_retirer(request, slug, pk):
    """Takes a commune out of the perimeter (in the contract's history); a commune nothing uses any more (a
    typo) is removed altogether. Its quartiers go first: the page says so."""
    contrat = pilote(request, slug)
    commune = get_object_or_404(contrat.communes.all(), pk=pk)
    ici = reverse("contrat:perimetre", args=[contrat.slug])
    if PerimetreQuartier.objects.filter(contrat=contrat, quartier__commune=commune).exists():
        messages.error(request, f"Retirez d'abord les quartiers de {commune.nom} du périmètre : rien n'est changé.")
        return redirect(ici)

    @transaction.atomic
    def retirer():
        _communes_du_contrat(request, contrat, [c for c in contrat.communes.all() if c.pk != commune.pk])
        nom = commune.nom
        oubliee = references.oublier_si_inutilise(commune)
        return f"{nom} n'est plus dans le périmètre" + (
            " ; elle n'était utilisée nulle part : elle est supprimée." if oubliee else "."
        )

    # The button posts the contract's version its page showed: a change of the perimeter since is a 409.
    return action(
        request,
        contrat,
        retirer,
        perimee="Le périmètre a changé depuis que la page a été affichée : relisez-le. Rien n'est changé.",
        retour=ici,
    )


@require_POST
def quartier_ajouter(request, slug):
    contrat = pilote(request, slug)
    form = QuartierForm(request.POST, prefix="quartier", contrat=contrat)
    if not form.is_valid():
        return _page_perimetre(request, contrat, quartier=form, status=400)
    donnees = form.cleaned_data
    noms = []

    @transaction.atomic
    def ajouter():  # the new quartier and its link, or neither (a repeat leaves no orphan quartier)
        quartier = references.quartier(donnees["nom"], donnees["commune"], donnees["code"])
        noms.append(quartier.nom)
        # A quartier another contract holds is shared as it is: the code typed here is this contract's.
        lien = PerimetreQuartier(
            contrat=contrat, quartier=quartier, nature=donnees["nature"], code=donnees["code"] or quartier.code
        )
        return versions.creer(request.user, lien)

    ici = reverse("contrat:perimetre", args=[contrat.slug])
    issue = tenter(ajouter, champ="nom")
    reponse = repondre(
        request, issue, message=lambda _: f"{noms[0]} est dans le périmètre.", suite=ici, retour=ici, form=form
    )
    return reponse or _page_perimetre(request, contrat, quartier=form, status=400)


@require_POST
def quartier_retirer(request, slug, pk):
    contrat = pilote(request, slug)
    lien = get_object_or_404(PerimetreQuartier.objects.select_related("quartier"), pk=pk, contrat=contrat)
    nom = lien.quartier.nom

    @transaction.atomic
    def retirer():
        versions.supprimer(request.user, lien, lien.version)
        # A quartier typed by mistake, which no other contract, dispositif or fiche uses, goes with its link.
        references.oublier_si_inutilise(lien.quartier)
        return f"{nom} n'est plus dans le périmètre."

    # The button posts the version its page showed: a code or successor given since, or a double click, is a 409.
    return action(
        request,
        lien,
        retirer,
        perimee=f"{nom} a été modifié ou retiré depuis que la page a été affichée : relisez le périmètre. "
        "Rien n'est changé.",
        retour=reverse("contrat:perimetre", args=[contrat.slug]),
    )
