"""The yearly report on the politique de la ville (décret 2015-1118): for a year, the commitments
planned and done by partner and by pilier, the fiches and their progress, the indicators, the
meetings held and their decisions — one PDF in the layout of the other documents — and the opinion
of each conseil citoyen it was sent to (« réputé favorable » a month after sending without one).

It reads every part of the domain, as the home page does: it lives outside the domain apps."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from contrat.models import Contrat
from engagements.annexe import Annexe
from engagements.synthese import Synthese
from fiches.models import Fiche, Mesure
from gouvernance.models import Avis, Decision, Seance
from noyau import telechargements, versions
from noyau.enregistrement import creation, enregistrer
from noyau.pdf import html_en_pdf
from tenues.models import Tenue

from .forms import AvisForm


def _annee(contrat, annee):
    if not contrat.annee_debut <= annee <= contrat.annee_fin_effective:
        raise Http404(f"L'année {annee} est hors de la période du contrat ({contrat.periode}).")
    return annee


def contenu(contrat, annee, jour):
    """Every section of the report, read in a fixed number of queries."""
    fiches = list(Fiche.objects.filter(contrat=contrat).select_related("pilier__contrat").order_by("ordre", "pk"))
    mesures = (
        Mesure.objects.filter(indicateur__fiche__contrat=contrat, annee=annee)
        .select_related("indicateur__fiche")
        .order_by("indicateur__fiche__ordre", "indicateur__ordre")
    )
    seances = (
        Seance.objects.filter(instance__contrat=contrat, date__year=annee)
        .select_related("instance")
        .order_by("date", "pk")
    )
    decisions = (
        Decision.objects.filter(seance__instance__contrat=contrat, seance__date__year=annee)
        .select_related("seance__instance", "partenaire")
        .order_by("seance__date", "pk")
    )
    avis = list(Avis.objects.filter(contrat=contrat, annee=annee))
    # Where the year's contributions stand, as the annexe says it: a year not fully validated is a working
    # version, and a partner expected with nothing is « non transmis », never left out.
    recapitulatif = Annexe(contrat, annee).recapitulatif
    return {
        "version_de_travail": not recapitulatif or any(not r.validee for r in recapitulatif),
        "non_transmis": [r.partenaire for r in recapitulatif if r.non_transmis],
        "contrat": contrat,
        "annee": annee,
        "jour": jour,
        "synthese": Synthese(contrat, annee),
        "fiches": fiches,
        "mesures": list(mesures),
        "seances": list(seances),
        "decisions": list(decisions),
        "tenues": list(
            Tenue.objects.de_l_annee(contrat, annee)
            .select_related("partenaire", "engagement_fiche__partenaire", "engagement_reciproque")
            .order_by("partenaire__nom", "pk")
        ),
        "avis": [(a, a.libelle_etat(jour)) for a in avis],
    }


def pdf(request, slug, annee):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    jour = timezone.localdate()
    html = render_to_string(
        "rapport/rapport_pdf.html", {**contenu(contrat, _annee(contrat, annee), jour), "edition": jour}
    )
    return telechargements.pdf(html_en_pdf(html), f"rapport-annuel-{contrat.slug}-{annee}.pdf")


def page(request, slug, annee):
    """The chef de projet's page of the report: the PDF, and the conseils citoyens' opinions."""
    contrat = Contrat.objects.pilote_par(
        request.user, slug, "Le rapport annuel est préparé par le chef de projet du contrat."
    )
    _annee(contrat, annee)
    form = AvisForm(request.POST or None, instance=Avis(contrat=contrat, annee=annee))
    if request.method == "POST" and form.is_valid():
        reponse = creation(
            request,
            form,
            lambda: versions.creer(request.user, form.save(commit=False)),
            champ="conseil",
            message="L'envoi du rapport est enregistré.",
            suite=reverse("rapport:page", args=[contrat.slug, annee]),
        )
        if reponse is not None:
            return reponse
    jour = timezone.localdate()
    avis = [(a, a.libelle_etat(jour)) for a in Avis.objects.filter(contrat=contrat, annee=annee)]
    return render(
        request,
        "rapport/page.html",
        {
            "contrat": contrat,
            "annee": annee,
            "form": form,
            "avis": avis,
            "titre": f"Rapport annuel {annee}",
            "annees": range(contrat.annee_debut, contrat.annee_fin_effective + 1),
        },
        status=400 if form.errors else 200,
    )


def avis_modifier(request, slug, annee, pk):
    """The opinion received (its date and text), or the sending corrected."""
    contrat = Contrat.objects.pilote_par(
        request.user, slug, "Le rapport annuel est préparé par le chef de projet du contrat."
    )
    objet = get_object_or_404(Avis, pk=pk, contrat=contrat, annee=annee)
    form = AvisForm(request.POST or None, instance=objet, initial={"version": objet.version})
    page = reverse("rapport:page", args=[contrat.slug, annee])
    return enregistrer(
        request,
        form,
        lambda: versions.modifier(request.user, form.save(commit=False), form.cleaned_data["version"]),
        gabarit="contrat/formulaire.html",
        contexte={
            "contrat": contrat,
            "retour": "contrat:detail",
            "titre": f"Avis de « {objet.conseil} » sur le rapport {annee}",
        },
        message="L'avis est enregistré.",
        suite=page,
        retour=page,
    )
