"""A territory runs itself: the administrateur creates the contract; its chef de projet keeps its
details, perimeter, documents and signatories, partners and strategy tree. Every write goes
through `noyau.versions` (the history says who changed the perimeter or the tree)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from noyau import historique, jetons, versions
from noyau.conflits import contexte_conflit, page_perimee, version_postee

from . import invitations
from .forms import (
    MODELES_ARBRE,
    CommuneForm,
    ContratCreationForm,
    ContratForm,
    DocumentForm,
    NoeudForm,
    PartenaireForm,
    QuartierForm,
    SignataireForm,
)
from .models import (
    Commune,
    Contrat,
    Document,
    Membre,
    Objectif,
    Orientation,
    Partenaire,
    PerimetreQuartier,
    Pilier,
    Quartier,
    QuartierPrioritaire,
    Signataire,
)

RESERVES = {"ajouter"}  # words of the URLs next to /contrats/<slug>/


def _slug_libre(modele, base, **filtre):
    """A slug derived from a name, made unique among `modele`'s rows (filtered)."""
    racine = (slugify(base)[:70] or "element").strip("-")
    slug, n = racine, 2
    while slug in RESERVES or modele.objects.filter(slug=slug, **filtre).exists():
        slug, n = f"{racine}-{n}", n + 1
    return slug


def _pilote(request, slug):
    return Contrat.objects.pilote_par(request.user, slug, "La gestion du contrat est réservée à son chef de projet.")


# -- the contract ------------------------------------------------------------------------------------


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
            contrat.slug = _slug_libre(Contrat, contrat.nom)
            versions.creer(request.user, contrat, {"communes": [], "partenaires": [contrat.porteur]})
            for adresse in form.cleaned_data["chefs"]:
                invitations.inviter(request.user, contrat, adresse, Membre.Role.CHEF_DE_PROJET, contrat.porteur)
            return contrat

        try:
            jetons.une_fois(form.cleaned_data.get("jeton"), creer)  # a second click is sent to the contract
        except jetons.DejaEnvoye as premier:
            return jetons.vers_le_premier(request, premier.adresse, reverse("contrat:liste"))
        messages.success(
            request, f"Le contrat est créé ; invitation envoyée à {', '.join(form.cleaned_data['chefs'])}."
        )
        return redirect("contrat:membres", contrat.slug)
    return render(request, "contrat/formulaire.html", {"form": form, "titre": "Nouveau contrat"})


def contrat_modifier(request, slug):
    contrat = _pilote(request, slug)
    form = ContratForm(request.POST or None, instance=contrat, initial={"version": contrat.version})
    conflit = None
    if request.method == "POST" and form.is_valid():
        try:
            versions.modifier(request.user, form.save(commit=False), form.cleaned_data["version"])
        except versions.Conflit as erreur:
            conflit = contexte_conflit(request, erreur, form)
            if conflit is None:
                return redirect(contrat)
        else:
            messages.success(request, "Le contrat est enregistré.")
            return redirect(contrat)
    return render(
        request,
        "contrat/formulaire.html",
        {"form": form, "contrat": contrat, "conflit": conflit, "titre": f"Modifier « {contrat.nom} »"},
        status=409 if conflit else 200,
    )


# -- perimeter -----------------------------------------------------------------------------------------


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
    contrat = _pilote(request, slug)
    qpv = get_object_or_404(
        QuartierPrioritaire.objects.prefetch_related("communes"), pk=_entier(request.POST.get("qpv"))
    )
    nature = request.POST.get("nature")
    if nature not in PerimetreQuartier.Nature.values:
        messages.error(request, "Choisissez la nature du quartier : prioritaire ou de veille.")
        return redirect(reverse("contrat:perimetre", args=[contrat.slug]) + f"?qpv={qpv.code}")
    communes = list(qpv.communes.all())
    with transaction.atomic():
        # The shared quartier of that code, or a new one; never changed here: the code and the QPV
        # are this contract's, on its own link.
        quartier = Quartier.objects.filter(code=qpv.code).order_by("pk").first()
        if quartier is None:
            quartier = Quartier.objects.create(
                nom=qpv.nom,
                commune=communes[0],
                code=qpv.code,
                qpv=qpv,
                slug=_slug_libre(Quartier, f"{qpv.code} {qpv.nom}"),
            )
        deja = list(contrat.communes.all())
        manquantes = [c for c in communes if c not in deja]
        if manquantes:
            _communes_du_contrat(request, contrat, [*deja, *manquantes])
        try:
            versions.creer(
                request.user,
                PerimetreQuartier(contrat=contrat, quartier=quartier, nature=nature, code=qpv.code, qpv=qpv),
            )
        except versions.Doublon:
            messages.error(request, f"{qpv.nom} ({qpv.code}) figure déjà dans le périmètre.")
            return redirect("contrat:perimetre", contrat.slug)
    messages.success(
        request,
        f"{qpv.nom} ({qpv.code}) est dans le périmètre"
        + (f" ; {', '.join(c.nom for c in manquantes)} aussi." if manquantes else "."),
    )
    return redirect("contrat:perimetre", contrat.slug)


@require_POST
def quartier_successeur(request, slug):
    """Links a quartier of the perimeter (a 2015 one) to the quartier of the official list that succeeds it,
    in this contract: the link is the contract's (versioned, in its history), the shared quartier unchanged."""
    contrat = _pilote(request, slug)
    lien = get_object_or_404(
        PerimetreQuartier.objects.select_related("quartier"), pk=_entier(request.POST.get("lien")), contrat=contrat
    )
    qpv = get_object_or_404(QuartierPrioritaire, pk=_entier(request.POST.get("qpv")))
    if lien.qpv_id is not None:  # linked meanwhile (or the button pressed twice): the page offered it unlinked
        messages.error(request, f"{lien.quartier.nom} a déjà pour successeur {lien.qpv} : rien n'est changé.")
        return redirect("contrat:perimetre", contrat.slug)
    lien.qpv = qpv
    try:
        versions.modifier(request.user, lien, lien.version)
    except versions.Conflit:
        messages.error(request, f"{lien.quartier.nom} a été modifié entre-temps : relisez le périmètre.")
        return redirect("contrat:perimetre", contrat.slug)
    messages.success(request, f"{lien.quartier.nom} a pour successeur {qpv.nom} ({qpv.code}).")
    return redirect("contrat:perimetre", contrat.slug)


def perimetre(request, slug):
    return _page_perimetre(request, _pilote(request, slug))


def _communes_du_contrat(request, contrat, communes):
    """Writes the contract's communes (a tracked link of the contract) through the write service."""
    actuel = Contrat.objects.get(pk=contrat.pk)
    versions.modifier(
        request.user, actuel, actuel.version, {"communes": communes, "partenaires": list(actuel.partenaires.all())}
    )


@require_POST
def commune_ajouter(request, slug):
    contrat = _pilote(request, slug)
    form = CommuneForm(request.POST, prefix="commune")
    if not form.is_valid():
        return _page_perimetre(request, contrat, commune=form, status=400)
    nom = " ".join(form.cleaned_data["nom"].split())
    commune = Commune.objects.filter(nom__iexact=nom).first() or Commune.objects.create(
        nom=nom, slug=_slug_libre(Commune, nom)
    )
    _communes_du_contrat(request, contrat, [*contrat.communes.all(), commune])
    messages.success(request, f"{commune.nom} est dans le périmètre.")
    return redirect("contrat:perimetre", contrat.slug)


@require_POST
def quartier_ajouter(request, slug):
    contrat = _pilote(request, slug)
    form = QuartierForm(request.POST, prefix="quartier", contrat=contrat)
    if not form.is_valid():
        return _page_perimetre(request, contrat, quartier=form, status=400)
    donnees = form.cleaned_data
    nom = " ".join(donnees["nom"].split())
    quartier = Quartier.objects.filter(nom__iexact=nom, commune=donnees["commune"]).first()
    if quartier is None:
        quartier = Quartier.objects.create(
            nom=nom,
            commune=donnees["commune"],
            code=donnees["code"],
            slug=_slug_libre(Quartier, f"{donnees['commune'].nom} {nom}"),
        )
    # A quartier another contract holds is shared as it is: the code typed here is this contract's.
    lien = PerimetreQuartier(
        contrat=contrat, quartier=quartier, nature=donnees["nature"], code=donnees["code"] or quartier.code
    )
    try:
        versions.creer(request.user, lien)
    except versions.Doublon as refus:
        form.add_error("nom", str(refus))
        return _page_perimetre(request, contrat, quartier=form, status=400)
    messages.success(request, f"{quartier.nom} est dans le périmètre.")
    return redirect("contrat:perimetre", contrat.slug)


@require_POST
def quartier_retirer(request, slug, pk):
    contrat = _pilote(request, slug)
    lien = get_object_or_404(PerimetreQuartier, pk=pk, contrat=contrat)
    try:
        versions.supprimer(request.user, lien, lien.version)
    except versions.Conflit:
        messages.error(request, "Ce quartier a été modifié entre-temps : relisez le périmètre.")
    else:
        messages.success(request, f"{lien.quartier.nom} n'est plus dans le périmètre.")
    return redirect("contrat:perimetre", contrat.slug)


# -- partners --------------------------------------------------------------------------------------------


def partenaires(request, slug):
    """Search the organisations first; add one to the contract, or create it when it is absent."""
    contrat = _pilote(request, slug)
    texte = (request.GET.get("q") or "").strip()[:100]
    trouves = []
    if texte:
        trouves = Partenaire.objects.filter(Q(nom__icontains=texte) | Q(sigle__icontains=texte) | Q(siren=texte))[:20]
    form = PartenaireForm(request.POST or None, initial={"nom": texte})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            partenaire = form.save(commit=False)
            partenaire.slug = _slug_libre(Partenaire, partenaire.sigle or partenaire.nom)
            partenaire.save()
            actuel = Contrat.objects.get(pk=contrat.pk)
            versions.modifier(
                request.user,
                actuel,
                actuel.version,
                {"communes": list(actuel.communes.all()), "partenaires": [*actuel.partenaires.all(), partenaire]},
            )
        messages.success(request, f"{partenaire.nom} est créée et ajoutée au contrat : vous pouvez inviter ses agents.")
        return redirect("contrat:partenaires", contrat.slug)
    ctx = {
        "contrat": contrat,
        "form": form,
        "texte": texte,
        "trouves": trouves,
        "du_contrat": Partenaire.objects.du_contrat(contrat),
    }
    return render(request, "contrat/partenaires.html", ctx, status=400 if form.errors else 200)


@require_POST
def partenaire_ajouter(request, slug, pk):
    contrat = _pilote(request, slug)
    partenaire = get_object_or_404(Partenaire, pk=pk)
    actuel = Contrat.objects.get(pk=contrat.pk)
    if partenaire not in actuel.partenaires.all():
        versions.modifier(
            request.user,
            actuel,
            actuel.version,
            {"communes": list(actuel.communes.all()), "partenaires": [*actuel.partenaires.all(), partenaire]},
        )
    messages.success(request, f"{partenaire.nom} est un partenaire du contrat.")
    return redirect("contrat:partenaires", contrat.slug)


# -- documents and signatories ------------------------------------------------------------------------------


def documents(request, slug):
    contrat = _pilote(request, slug)
    form = DocumentForm(request.POST or None, request.FILES or None, instance=Document(contrat=contrat))
    signataire = SignataireForm(contrat=contrat)
    if request.method == "POST" and form.is_valid():
        document = form.save(commit=False)
        document.slug = _slug_libre(Document, document.titre, contrat=contrat)
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
    contrat = _pilote(request, slug)
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


# -- the strategy tree -------------------------------------------------------------------------------------


def _noeuds(contrat):
    """Piliers → orientations → objectifs of the contract, archived ones included (marked)."""
    return (
        Pilier.objects.filter(contrat=contrat)
        .select_related("contrat")
        .prefetch_related("orientations__objectifs")
        .order_by("ordre", "pk")
    )


def arbre(request, slug):
    contrat = _pilote(request, slug)
    ctx = {
        "contrat": contrat,
        "piliers": _noeuds(contrat),
        "form": NoeudForm(),
        "historique": historique.journal("contrat", contrat.pk)[:30],
    }
    return render(request, "contrat/arbre.html", ctx)


def _freres(objet):
    if isinstance(objet, Pilier):
        return Pilier.objects.filter(contrat_id=objet.contrat_id)
    if isinstance(objet, Orientation):
        return Orientation.objects.filter(pilier_id=objet.pilier_id)
    return Objectif.objects.filter(orientation_id=objet.orientation_id)


def _contrat_du_noeud(objet):
    return historique.suivi(objet).contrat_de(objet)


def _noeud(contrat, nature, pk):
    modele = MODELES_ARBRE.get(nature)
    if modele is None:
        raise Http404("Élément inconnu : pilier, orientation ou objectif.")
    objet = get_object_or_404(modele, pk=pk)
    if _contrat_du_noeud(objet) != contrat.pk:
        raise Http404("Cet élément n'appartient pas à ce contrat.")
    return objet


@require_POST
def noeud_ajouter(request, slug, nature):
    contrat = _pilote(request, slug)
    if nature not in MODELES_ARBRE:
        raise Http404("Élément inconnu : pilier, orientation ou objectif.")
    form = NoeudForm(request.POST)
    parent = None
    if nature != "pilier":
        parent = _noeud(
            contrat, "pilier" if nature == "orientation" else "orientation", _entier(request.POST.get("parent"))
        )
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for erreurs in form.errors.values() for e in erreurs))
        return redirect("contrat:arbre", contrat.slug)
    donnees = form.cleaned_data
    if nature == "pilier":
        objet = Pilier(contrat=contrat)
    elif nature == "orientation":
        objet = Orientation(pilier=parent)
    else:
        objet = Objectif(orientation=parent)
    objet.code, objet.intitule = donnees["code"], donnees["intitule"]
    freres = _freres(objet)
    portee = {"pilier": {"contrat": contrat}, "orientation": {"pilier": parent}, "objectif": {"orientation": parent}}
    objet.slug = _slug_libre(type(objet), donnees["code"] or donnees["intitule"], **portee[nature])
    objet.ordre = (freres.aggregate(m=Max("ordre"))["m"] or 0) + 1
    versions.creer(request.user, objet)
    messages.success(request, f"« {objet.intitule} » est ajouté.")
    return redirect("contrat:arbre", contrat.slug)


def _entier(texte):
    try:
        return int(texte)
    except (TypeError, ValueError):
        return 0


def noeud_modifier(request, slug, nature, pk):
    contrat = _pilote(request, slug)
    objet = _noeud(contrat, nature, pk)
    pilier = isinstance(objet, Pilier)
    form = NoeudForm(
        request.POST or None,
        nouveau=False,
        pilier=pilier,
        initial={
            "code": objet.code,
            "intitule": objet.intitule,
            "version": objet.version,
            "presentation": getattr(objet, "presentation", ""),
        },
    )
    conflit = None
    if request.method == "POST" and form.is_valid():
        objet.code, objet.intitule = form.cleaned_data["code"], form.cleaned_data["intitule"]
        if pilier:
            objet.presentation = form.cleaned_data["presentation"].strip()
        try:
            versions.modifier(request.user, objet, form.cleaned_data["version"])
        except versions.Verrouille as refus:
            form.add_error(None, str(refus))
        except versions.Conflit as erreur:
            conflit = contexte_conflit(request, erreur, form)
            if conflit is None:
                return redirect("contrat:arbre", contrat.slug)
        else:
            messages.success(
                request, "L'intitulé et la présentation sont enregistrés." if pilier else "L'intitulé est enregistré."
            )
            return redirect("contrat:arbre", contrat.slug)
    return render(
        request,
        "contrat/formulaire.html",
        {
            "form": form,
            "contrat": contrat,
            "conflit": conflit,
            "retour": "contrat:arbre",
            "titre": f"Modifier « {objet.intitule} »" if pilier else f"Renommer « {objet.intitule} »",
        },
        status=409 if conflit else 200,
    )


@require_POST
def noeud_deplacer(request, slug, nature, pk, sens):
    """Moves an item up or down among its siblings: the two swap ranks, each through the write service."""
    contrat = _pilote(request, slug)
    if sens not in ("monter", "descendre"):
        raise Http404("Déplacement inconnu : « monter » ou « descendre ».")
    objet = _noeud(contrat, nature, pk)
    if version_postee(request) != objet.version:  # moved since the page was shown: a second click moves nothing
        return page_perimee(
            request,
            f"« {objet.intitule} » a changé de place ou a été modifié depuis que la page a "
            "été affichée : rien n'a été déplacé.",
            reverse("contrat:arbre", args=[contrat.slug]),
        )
    freres = list(_freres(objet).order_by("ordre", "pk"))
    i = next(i for i, f in enumerate(freres) if f.pk == objet.pk)
    j = i - 1 if sens == "monter" else i + 1
    if 0 <= j < len(freres):
        # Ranks made distinct first, so that a swap always moves something.
        rangs = list(range(1, len(freres) + 1))
        rangs[i], rangs[j] = rangs[j], rangs[i]
        try:
            with transaction.atomic():
                for frere, rang in zip(freres, rangs, strict=True):
                    if frere.ordre != rang:
                        frere.ordre = rang
                        versions.modifier(request.user, frere, frere.version)
        except versions.Verrouille as refus:
            messages.error(request, str(refus))
        except versions.Conflit:
            messages.error(request, "L'arbre a été modifié entre-temps : relisez-le avant de le réordonner.")
    return redirect("contrat:arbre", contrat.slug)


@require_POST
def noeud_archiver(request, slug, nature, pk):
    """Archives (or brings back) an item: never deleted, so that the lines that serve it keep their place."""
    contrat = _pilote(request, slug)
    objet = _noeud(contrat, nature, pk)
    # The button says what the page showed: archiving twice (a double click, a second tab) is not unarchiving.
    lue = version_postee(request)
    if lue != objet.version:
        return page_perimee(
            request,
            f"« {objet.intitule} » a changé depuis que la page a été affichée (il est "
            f"maintenant {'archivé' if objet.archive else 'proposé'}) : rien n'a été fait.",
            reverse("contrat:arbre", args=[contrat.slug]),
        )
    objet.archive = not objet.archive
    try:
        versions.modifier(request.user, objet, lue)
    except versions.Verrouille as refus:
        messages.error(request, str(refus))
    except versions.Conflit:
        return page_perimee(
            request,
            f"« {objet.intitule} » a été modifié entre-temps : rien n'a été fait.",
            reverse("contrat:arbre", args=[contrat.slug]),
        )
    else:
        messages.success(request, f"« {objet.intitule} » est {'archivé' if objet.archive else 'de nouveau proposé'}.")
    return redirect("contrat:arbre", contrat.slug)
