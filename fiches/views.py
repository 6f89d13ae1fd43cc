from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from contrat import permissions
from contrat.models import Contrat, Partenaire, Quartier
from engagements.models import Dispositif, Estimation, par_annee, realisation_de
from fiches.permissions import engagements_modifiables, peut_mesurer, peut_modifier_engagement, peut_modifier_fiche
from noyau import filtres, historique, pagination, telechargements, versions
from noyau.enregistrement import enregistrer
from noyau.graphiques import paires

from . import exports
from .filters import FicheFilter
from .forms import EngagementForm, FicheForm, listes_de_la_fiche, mesures_formset
from .graphiques import graphique
from .models import DispositifMobilise, Engagement, Fiche, Indicateur, Intervenant, Reserve
from .services import enregistrer_mesure
from .tables import FicheTable


def _avec_details(queryset):
    """Everything a fiche page, the recueil or the workbook shows, in a constant number of queries."""
    return queryset.select_related(
        "contrat", "pilier__contrat", "orientation__pilier__contrat", "document"
    ).prefetch_related(
        Prefetch("intervenants", queryset=Intervenant.objects.select_related("partenaire")),
        Prefetch("engagements", queryset=Engagement.objects.select_related("partenaire")),
        Prefetch(
            "dispositifs_mobilises", queryset=DispositifMobilise.objects.select_related("partenaire", "dispositif")
        ),
        Prefetch("indicateurs", queryset=Indicateur.objects.prefetch_related("mesures")),
        Prefetch("quartiers", queryset=Quartier.objects.select_related("commune")),
        "communes",
        "document__reserves",
    )


def _fiches_filtrees(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    filtre = FicheFilter(request.GET, queryset=_avec_details(contrat.fiches.all()), contrat=contrat)
    return contrat, filtre


def _refus_filtres(filtre):
    erreurs = " ".join(str(e) for errors in filtre.form.errors.values() for e in errors)
    return HttpResponseBadRequest(f"Filtres invalides : {erreurs}", content_type="text/plain; charset=utf-8")


def liste(request, slug):
    contrat, filtre = _fiches_filtrees(request, slug)
    table = FicheTable(filtre.qs if filtre.is_valid() else Fiche.objects.none())
    pagination.configurer(request, table, 50)
    ctx = {
        "contrat": contrat,
        "filtre": filtre,
        "table": table,
        "query": request.GET.urlencode(),
        "actifs": filtres.actifs(filtre, request.GET),
        "pilote": permissions.peut_piloter(request.user, contrat),
        "equipements": contrat.equipements.all(),
    }
    return render(request, "fiches/liste.html", ctx, status=200 if filtre.is_valid() else 400)


def annees(fiche):
    debut = fiche.annee_debut or fiche.contrat.annee_debut
    fin = fiche.annee_fin or fiche.contrat.annee_fin_effective
    return list(range(debut, max(fin, debut) + 1))


def detail(request, pk):
    fiche = get_object_or_404(_avec_details(Fiche.objects.visible_to(request.user)), pk=pk)
    user = request.user
    indicateurs = [(i, graphique(i, annees(fiche))) for i in fiche.indicateurs.all()]
    ctx = {
        "fiche": fiche,
        "indicateurs": indicateurs,
        "modifiable": peut_modifier_fiche(user, fiche),
        "modifiables": engagements_modifiables(user, fiche),
        "mesurable": peut_mesurer(user, fiche),
        "historique": historique.journal("fiche", fiche.pk, 50),
    }
    return render(request, "fiches/detail.html", ctx)


_pdf = telechargements.pdf


def fiche_pdf(request, pk):
    fiche = get_object_or_404(_avec_details(Fiche.objects.visible_to(request.user)), pk=pk)
    return _pdf(exports.fiche_pdf(fiche, edition=timezone.localdate()), f"{fiche.contrat.slug}-{fiche.slug}.pdf")


def recueil_pdf(request, slug):
    contrat, filtre = _fiches_filtrees(request, slug)
    if not filtre.is_valid():
        return _refus_filtres(filtre)
    contenu = exports.recueil_pdf(contrat, list(filtre.qs), edition=timezone.localdate())
    return _pdf(contenu, f"recueil-des-fiches-{contrat.slug}.pdf")


def fiches_xlsx(request, slug):
    contrat, filtre = _fiches_filtrees(request, slug)
    if not filtre.is_valid():
        return _refus_filtres(filtre)
    return _xlsx(exports.fiches_xlsx(contrat, list(filtre.qs)), f"fiches-{contrat.slug}.xlsx")


_xlsx = telechargements.xlsx


def _indicateurs(contrat):
    return (
        Indicateur.objects.filter(fiche__contrat=contrat)
        .select_related("fiche")
        .prefetch_related("mesures")
        .order_by("fiche__ordre", "fiche__pk", "ordre")
    )


def indicateurs(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    lignes = list(_indicateurs(contrat))
    toutes = sorted({m.annee for i in lignes for m in i.mesures.all()})
    tableau = [(i, [next((m for m in i.mesures.all() if m.annee == a), None) for a in toutes]) for i in lignes]
    return render(request, "fiches/indicateurs.html", {"contrat": contrat, "annees": toutes, "tableau": tableau})


def indicateurs_xlsx(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    return _xlsx(exports.indicateurs_xlsx(contrat, list(_indicateurs(contrat))), f"indicateurs-{contrat.slug}.xlsx")


# -- editing --------------------------------------------------------------------


def _formulaire(request, form, fiche, titre, message):
    """A versioned form of a fiche's part, back to the fiche once saved."""
    return enregistrer(
        request,
        form,
        lambda: versions.modifier(request.user, form.save(commit=False), form.cleaned_data["version"]),
        gabarit="fiches/formulaire.html",
        contexte={"fiche": fiche, "titre": titre},
        message=message,
        suite=fiche,
        retour=fiche.get_absolute_url(),
    )


def modifier(request, pk):
    fiche = get_object_or_404(Fiche.objects.visible_to(request.user).select_related("contrat"), pk=pk)
    if not peut_modifier_fiche(request.user, fiche):
        raise PermissionDenied("Seul le chef de projet du contrat modifie la fiche entière.")
    form = FicheForm(request.POST or None, instance=fiche, initial={"version": fiche.version})
    listes = listes_de_la_fiche(fiche, request.POST or None)
    return enregistrer(
        request,
        form,
        # The lists are saved inside the fiche's write, so that its entry holds them as saved.
        lambda: versions.modifier(
            request.user,
            form.save(commit=False),
            form.cleaned_data["version"],
            ensuite=lambda: [formset.save() for formset in listes.values()],
        ),
        gabarit="fiches/fiche_form.html",
        contexte={
            "fiche": fiche,
            "titre": f"Modifier la fiche {fiche.numero}",
            "listes": [("Partenaires de la fiche", listes["intervenants"]), ("Indicateurs", listes["indicateurs"])],
        },
        message="La fiche est enregistrée.",
        suite=fiche,
        retour=reverse("fiches:liste", args=[fiche.contrat.slug]),
        listes=listes.values(),
    )


def engagement_modifier(request, pk):
    engagement = get_object_or_404(
        Engagement.objects.visible_to(request.user).select_related("fiche__contrat", "partenaire"), pk=pk
    )
    if not peut_modifier_engagement(request.user, engagement):
        raise PermissionDenied("Vous ne pouvez modifier que l'engagement de votre organisation.")
    form = EngagementForm(request.POST or None, instance=engagement, initial={"version": engagement.version})
    return _formulaire(
        request,
        form,
        engagement.fiche,
        f"Engagement : {engagement.nom or 'engagement commun'}",
        "L'engagement est enregistré.",
    )


def mesures(request, pk):
    indicateur = get_object_or_404(
        Indicateur.objects.visible_to(request.user).select_related("fiche__contrat").prefetch_related("mesures"), pk=pk
    )
    fiche = indicateur.fiche
    if not peut_mesurer(request.user, fiche):
        raise PermissionDenied("Seuls les partenaires qui portent la fiche saisissent ses indicateurs.")
    formset, existantes = mesures_formset(indicateur, annees(fiche), request.POST or None)

    def ecrire():
        with transaction.atomic():
            for form in formset:
                d = form.cleaned_data
                enregistrer_mesure(
                    request.user,
                    indicateur,
                    d["annee"],
                    d["valeur"],
                    d["commentaire"],
                    d["version"],
                    existantes.get(d["annee"]),
                )

    def reprendre(erreur):
        # The typing is kept; the forms now carry the versions saved meanwhile.
        actuelles = {m.annee: m.version for m in indicateur.mesures.all()}
        donnees = request.POST.copy()
        for form in formset:
            donnees[form.add_prefix("version")] = actuelles.get(form.cleaned_data["annee"], 0)
        return {"formset": mesures_formset(indicateur, annees(fiche), donnees)[0]}

    return enregistrer(
        request,
        formset,
        ecrire,
        gabarit="fiches/mesures_form.html",
        contexte={
            "formset": formset,
            "indicateur": indicateur,
            "fiche": fiche,
            "titre": f"Valeurs de l'indicateur « {indicateur.libelle} »",
        },
        message="Les valeurs de l'indicateur sont enregistrées.",
        suite=fiche,
        retour=fiche.get_absolute_url(),
        reprendre=reprendre,
    )


# -- a partner's commitments ---------------------------------------------------


def _plus(total, montant):
    """Sums known amounts; unknown stays unknown (None) only while nothing is known."""
    if montant is None:
        return total
    return montant if total is None else total + montant


PAR_PAGE_CONTRATS = 20


def _contrats_du_partenaire(user, organisation):
    """The contracts the user sees where the organisation has dispositifs, lines, or a place in a fiche (a
    commitment, a role, a dispositif cited):
    one probe per visible contract (EXISTS), never a read of the organisation's rows elsewhere."""
    ici = {"partenaire": organisation}
    return (
        Contrat.objects.visible_to(user)
        .filter(
            Exists(Dispositif.objects.filter(contrat=OuterRef("pk"), **ici))
            | Exists(Estimation.objects.filter(contrat=OuterRef("pk"), **ici))
            | Exists(Engagement.objects.filter(fiche__contrat=OuterRef("pk"), **ici))
            | Exists(Intervenant.objects.filter(fiche__contrat=OuterRef("pk"), **ici))
            | Exists(
                DispositifMobilise.objects.filter(fiche__contrat=OuterRef("pk")).filter(
                    Q(partenaire=organisation) | Q(autres_partenaires=organisation)
                )
            )
        )
        .order_by("nom", "pk")
    )


def _resume_par_contrat(organisation, contrats):
    """{contract pk: its lines, unknown amounts, dispositifs, first and last year, fiche commitments} of
    the organisation in these contracts (a page of them), in two aggregates."""
    lignes = (
        Estimation.objects.filter(
            partenaire=organisation, contrat__in=contrats, dispositif__contrat__in=contrats, dispositif__archive=False
        )
        .order_by()
        .values("contrat")
        .annotate(
            lignes=Count("pk"),
            inconnues=Count("pk", filter=Q(montant_annuel__isnull=True)),
            dispositifs=Count("dispositif", distinct=True),
            debut=Min("annee"),
            fin=Max("annee"),
        )
    )
    vide = {"lignes": 0, "inconnues": 0, "dispositifs": 0, "debut": None, "fin": None, "engagements": 0}
    resume = {c.pk: dict(vide) for c in contrats}
    for r in lignes:
        resume[r.pop("contrat")].update(r)
    engagements = (
        Engagement.objects.filter(partenaire=organisation, fiche__contrat__in=contrats)
        .order_by()
        .values_list("fiche__contrat")
        .annotate(n=Count("pk"))
    )
    for contrat_id, nombre in engagements:
        resume[contrat_id]["engagements"] = nombre
    return resume


def partenaire(request, slug):
    """Everything a partner commits to, contract by contract: a summary of each contract the user sees
    (paginated), then the details of one (``?contrat=``, else the first of the page). A national
    partner is in hundreds of contracts: the page reads what it shows, not the whole country."""
    organisation = get_object_or_404(Partenaire, slug=slug)
    tous = _contrats_du_partenaire(request.user, organisation)
    page = pagination.page(request, tous, PAR_PAGE_CONTRATS)
    contrats = list(page)
    choisi = request.GET.get("contrat")
    if choisi:
        contrat = next((c for c in contrats if c.slug == choisi), None) or get_object_or_404(tous, slug=choisi)
    else:
        contrat = contrats[0] if contrats else None
    resume = _resume_par_contrat(organisation, contrats)
    fiches = Fiche.objects.visible_to(request.user).filter(contrat=contrat)
    engagements = (
        Engagement.objects.filter(fiche__in=fiches, partenaire=organisation)
        .select_related("fiche__contrat", "partenaire")
        .order_by("fiche__ordre", "ordre")
    )
    roles = (
        Intervenant.objects.filter(fiche__in=fiches, partenaire=organisation)
        .select_related("fiche__contrat", "partenaire")
        .order_by("fiche__ordre", "ordre")
    )
    dispositifs = (
        Dispositif.objects.filter(contrat=contrat)
        .actifs()
        .filter(
            Q(partenaire=organisation)
            | Q(pk__in=Estimation.objects.filter(partenaire=organisation, contrat=contrat).values("dispositif"))
        )
        .select_related("contrat")
        .order_by("ordre")
    )
    estimations = (
        Estimation.objects.du_contrat(contrat)
        .filter(partenaire=organisation)
        .select_related("dispositif__contrat", "realisation")
        .order_by("annee", "dispositif__ordre")
    )
    estimations = list(estimations)
    # Planned and done year by year, where the partner has reported a bilan.
    passees = [e for e in estimations if e.annee < timezone.localdate().year]
    bilans = []
    if any(realisation_de(e) is not None for e in passees):
        rangs = par_annee(passees)
        bilans = [(contrat, rangs, paires([(annee, t.prevu, t.realise, t) for annee, t in rangs]), 0)]
    # Each dispositif once: with its estimates in the table, or listed alone when it has none.
    chiffres = {e.dispositif_id for e in estimations}
    totaux = {}
    for e in estimations:
        cle = (contrat.nom, e.annee)
        annuel, pluri = totaux.get(cle, (None, None))
        totaux[cle] = (_plus(annuel, e.montant_annuel), _plus(pluri, e.montant_pluriannuel))
    # The dispositifs the fiches cite as its own (or run with others), each with what its document says of them.
    mobilisables = list(
        DispositifMobilise.objects.filter(fiche__in=fiches)
        .filter(
            Q(partenaire=organisation)
            | Q(
                pk__in=DispositifMobilise.autres_partenaires.through.objects.filter(partenaire=organisation).values(
                    "dispositifmobilise"
                )
            )
        )
        .select_related("fiche__contrat")
        .order_by("fiche__ordre", "ordre")
    )
    reserves = Reserve.objects.filter(partenaire=organisation, document__in={m.fiche.document_id for m in mobilisables})
    ctx = {
        "partenaire": organisation,
        "page": page,
        "contrats": [(c, resume[c.pk]) for c in contrats],
        "contrat": contrat,
        "engagements": engagements,
        "roles": roles,
        "mobilisables": mobilisables,
        "bilans": bilans,
        "reserves": reserves.select_related("document__contrat"),
        "sans_estimation": [d for d in dispositifs if d.pk not in chiffres],
        "estimations": estimations,
        "totaux": [(contrat, annee, a, p) for (contrat, annee), (a, p) in sorted(totaux.items())],
    }
    return render(request, "fiches/partenaire.html", ctx)
