"""The chef de projet's side of the yearly collection: the campaign, its dashboard, the reminders."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contrat.models import Contrat, Partenaire
from noyau import courriels, versions
from noyau.enregistrement import enregistrer, repondre
from noyau.formulaires import formulaires_refuses
from noyau.graphiques import Barre, barres
from noyau.issues import tenter
from noyau.models import Courriel

from .. import collectes
from ..annexe import Annexe, somme
from ..forms import CollecteForm
from ..models import Collecte, Nature


def _contrat_pilote(request, slug):
    return Contrat.objects.pilote_par(
        request.user, slug, "Le suivi de la collecte est réservé au chef de projet du contrat."
    )


def _annee(request, annees, contrat):
    defaut = annees[-1] if annees else contrat.annee_debut
    try:
        annee = int(request.GET.get("annee") or defaut)
    except ValueError:
        return defaut
    return annee if contrat.annee_debut <= annee <= contrat.annee_fin_effective else defaut


def tableau_de_bord(request, slug):
    contrat = _contrat_pilote(request, slug)
    annees = collectes.annees_du_contrat(contrat)
    annee = _annee(request, annees, contrat)
    # The year's planned amounts, or (the year over, « ?nature=bilan ») what its lines actually did.
    nature = (
        Nature.BILAN
        if request.GET.get("nature") == Nature.BILAN and annee < timezone.localdate().year
        else Nature.PREVISIONNEL
    )
    collecte = collectes.collecte_de(contrat, annee, nature)
    positions = collectes.suivi(contrat, annee, collecte, nature=nature)
    aujourdhui = timezone.localdate()
    attendues = [p for p in positions if p.attendu] if collecte else positions
    filtre = request.GET.get("etat", "")
    montrees = [p for p in positions if p.etat == filtre] if filtre in collectes.Etat.values else positions
    for p in montrees:
        p.en_retard = collecte is not None and collectes.en_retard(collecte, p, aujourdhui)
    annexe = Annexe(contrat, annee)
    par_pilier = [Barre(b.pilier.libelle, b.total_annuel) for b in annexe.piliers]
    if annexe.hors_pilier:
        par_pilier.append(Barre("Hors pilier", somme(e.montant_annuel for e in annexe.hors_pilier)))
    validees = sum(1 for p in attendues if p.etat == collectes.Etat.VALIDEE)
    ctx = {
        "contrat": contrat,
        "annee": annee,
        "annees": annees,
        "collecte": collecte,
        "positions": montrees,
        "bilan": nature == Nature.BILAN,
        "bilan_possible": annee < timezone.localdate().year,
        "filtre": filtre,
        "etats": collectes.Etat.choices,
        "validees": validees,
        "attendues": len(attendues),
        "pourcentage": round(100 * validees / len(attendues)) if attendues else 0,
        "a_relancer": collectes.a_relancer(collecte, positions) if collecte and collecte.ouverte else [],
        "echecs": Courriel.objects.filter(contrat_id=contrat.pk, statut=Courriel.Statut.ECHEC)[:10],
        "annexe": annexe,
        "aujourdhui": aujourdhui,
        "graphique_piliers": barres(par_pilier),
        "graphique_partenaires": barres([Barre(p.partenaire.sigle, p.total_annuel) for p in positions]),
    }
    return render(request, "engagements/tableau_de_bord.html", ctx)


def collecte_ouvrir(request, slug):
    contrat = _contrat_pilote(request, slug)
    try:
        annee = int(request.GET.get("annee") or timezone.localdate().year)
    except ValueError:
        annee = timezone.localdate().year
    if not contrat.annee_debut <= annee <= contrat.annee_fin_effective:
        annee = contrat.annee_fin_effective
    nature = Nature.BILAN if request.GET.get("nature") == Nature.BILAN else Nature.PREVISIONNEL
    initial = {
        "annee": annee,
        "nature": nature,
        "echeance": collectes.echeance_par_defaut(timezone.localdate()),
        "partenaires": list(collectes.proposer_partenaires(contrat, annee)),
    }
    form = CollecteForm(
        request.POST or None,
        contrat=contrat,
        partenaires=collectes.partenaires_du_contrat(contrat),
        instance=Collecte(contrat=contrat, ouverte_par=request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        objet = form.save(commit=False)

        def dit(objet):
            quoi = f"Le bilan {objet.annee} est ouvert" if objet.bilan else f"La collecte {objet.annee} est ouverte"
            return f"{quoi} : {objet.partenaires.count()} partenaires attendus avant le {objet.echeance:%d/%m/%Y}."

        issue = tenter(
            lambda: versions.creer(request.user, objet, {"partenaires": list(form.cleaned_data["partenaires"])}),
            champ="annee",
        )
        reponse = repondre(
            request, issue, message=dit, suite=lambda objet: objet, retour=contrat.get_absolute_url(), form=form
        )
        if reponse is not None:
            return reponse
    return render(
        request,
        "engagements/collecte_form.html",
        {"form": form, "contrat": contrat, "titre": "Ouvrir une collecte annuelle"},
        status=400 if formulaires_refuses(form) else 200,
    )


def collecte_modifier(request, slug, annee, nature=Nature.PREVISIONNEL):
    contrat = _contrat_pilote(request, slug)
    objet = get_object_or_404(Collecte, contrat=contrat, annee=annee, nature=nature)
    form = CollecteForm(
        request.POST or None,
        contrat=contrat,
        partenaires=collectes.partenaires_du_contrat(contrat),
        instance=objet,
        initial={"version": objet.version},
    )
    return enregistrer(
        request,
        form,
        lambda: versions.modifier(
            request.user,
            form.save(commit=False),
            form.cleaned_data["version"],
            {"partenaires": list(form.cleaned_data["partenaires"])},
        ),
        gabarit="engagements/collecte_form.html",
        contexte={
            "contrat": contrat,
            "collecte": objet,
            "titre": f"{'Bilan' if objet.bilan else 'Collecte'} {annee} — {contrat.nom}",
        },
        message=f"{'Le bilan' if objet.bilan else 'La collecte'} {annee} est enregistré{'' if objet.bilan else 'e'}.",
        suite=objet,
        retour=contrat.get_absolute_url(),
    )


@require_POST
def collecte_relancer(request, slug, annee, nature=Nature.PREVISIONNEL):
    contrat = _contrat_pilote(request, slug)
    collecte = get_object_or_404(
        Collecte.objects.prefetch_related("partenaires"), contrat=contrat, annee=annee, nature=nature
    )
    if not collecte.ouverte:
        messages.error(request, f"La collecte {annee} est fermée : rouvrez-la pour relancer les partenaires.")
        return redirect(collecte)
    a_relancer = collectes.a_relancer(collecte, collectes.suivi(contrat, annee, collecte))
    slug_partenaire = request.POST.get("partenaire")
    if slug_partenaire:
        cibles = [p for p in a_relancer if p.partenaire.slug == slug_partenaire]
        if not cibles:
            partenaire = get_object_or_404(Partenaire, slug=slug_partenaire)
            messages.error(request, f"{partenaire.nom} n'a rien à soumettre dans cette collecte : pas de relance.")
            return redirect(collecte)
    else:
        cibles = a_relancer
    faites, deja, sans_adresse = collectes.relancer(collecte, cibles, timezone.localdate(), par=request.user)
    if faites:
        messages.success(request, "Relance envoyée à " + ", ".join(p.sigle for p in faites) + ".")
    if deja:
        messages.info(
            request, "Déjà relancé aujourd'hui, rien n'est renvoyé : " + ", ".join(p.sigle for p in deja) + "."
        )
    if sans_adresse:
        messages.error(
            request,
            "Aucun agent avec une adresse de courriel, relance impossible : "
            + ", ".join(p.sigle for p in sans_adresse)
            + ". Donnez un compte d'agent à ce partenaire.",
        )
    if not faites and not deja and not sans_adresse:
        messages.info(request, "Aucun partenaire à relancer : tous ont soumis leur contribution.")
    return redirect(collecte)


@require_POST
def courriel_renvoyer(request, slug, pk):
    contrat = _contrat_pilote(request, slug)
    courriel = get_object_or_404(Courriel, pk=pk, contrat_id=contrat.pk, statut=Courriel.Statut.ECHEC)
    courriels.reessayer(courriel)
    courriel.refresh_from_db()
    if courriel.statut == Courriel.Statut.ECHEC:
        messages.error(
            request, f"Le courriel « {courriel.sujet} » n'a de nouveau pas pu être envoyé : {courriel.erreur}"
        )
    else:
        messages.success(request, f"Le courriel « {courriel.sujet} » est remis à l'envoi.")
    return redirect("engagements:tableau_de_bord", contrat.slug)
