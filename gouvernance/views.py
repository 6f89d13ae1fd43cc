import io
from datetime import datetime
from datetime import timezone as fuseau

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event
from openpyxl import Workbook

from contrat import permissions
from contrat.models import Contrat
from noyau import historique, jetons, telechargements, versions
from noyau.classeurs import cellule_texte, feuille_avec_entetes
from noyau.conflits import contexte_conflit
from noyau.pdf import html_en_pdf

from .forms import InstanceForm, SeanceForm, StatutDecisionForm, formsets, membres_formset
from .models import Decision, Instance, Membre, Presence, Seance
from .rythmes import suivi


def _instances(contrat):
    membres = Prefetch("membres", queryset=Membre.objects.select_related("partenaire"))
    sous_instances = Prefetch("sous_instances", queryset=Instance.objects.prefetch_related(membres, "sous_instances"))
    return (contrat.instances.select_related("document", "contrat", "parent")
            .prefetch_related(membres, "seances", sous_instances))


def page(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    jour = timezone.localdate()
    instances = list(_instances(contrat))
    suivis = suivi(instances, jour)
    colonnes = [(valeur, libelle, [i for i in instances if i.colonne == valeur and i.parent_id is None])
                for valeur, libelle in Instance.Colonne.choices]
    ctx = {
        "contrat": contrat, "jour": jour, "colonnes": colonnes,
        "autres": [i for i in instances if not i.colonne and i.parent_id is None],
        "prochaines": sorted(((c, s.instance) for s in suivis for c in s.prochaines), key=lambda x: x[0].debut)[:15],
        "en_retard": [s for s in suivis if s.manque],
        "decisions_en_souffrance": (Decision.objects.filter(seance__instance__contrat=contrat).en_souffrance(jour)
                                    .select_related("seance__instance", "partenaire")),
        "seances": Seance.objects.filter(instance__contrat=contrat).select_related("instance")[:20],
        "pilote": permissions.peut_gerer_gouvernance(request.user, contrat),
    }
    return render(request, "gouvernance/page.html", ctx)


def seances_ics(request, slug):
    """The contract's meetings as an iCalendar feed (RFC 5545: escaping and folding by `icalendar`)."""
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    agenda = Calendar()
    agenda.add("prodid", "-//Contrats de ville//Séances//FR")
    agenda.add("version", "2.0")
    agenda.add("calscale", "GREGORIAN")
    agenda.add("x-wr-calname", contrat.nom)
    maintenant = timezone.now()
    for seance in Seance.objects.filter(instance__contrat=contrat).select_related("instance").order_by("date", "pk"):
        evenement = Event()
        evenement.add("uid", f"seance-{seance.pk}@{request.get_host()}")
        evenement.add("dtstamp", maintenant)
        if seance.heure:
            evenement.add("dtstart", timezone.make_aware(datetime.combine(seance.date, seance.heure)).astimezone(fuseau.utc))
        else:
            evenement.add("dtstart", seance.date)
        evenement.add("summary", seance.instance.nom)
        if seance.lieu:
            evenement.add("location", seance.lieu)
        if seance.ordre_du_jour:
            evenement.add("description", "Ordre du jour :\n" + seance.ordre_du_jour)
        agenda.add_component(evenement)
    return telechargements.ics(agenda.to_ical(), f"seances-{contrat.slug}.ics")


# -- meetings -------------------------------------------------------------------------



def _contrat_gere(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    if not permissions.peut_gerer_gouvernance(request.user, contrat):
        raise PermissionDenied("Seul le chef de projet du contrat gère ses instances et ses séances.")
    return contrat


def _seance_visible(request, pk):
    return get_object_or_404(Seance.objects.visible_to(request.user).select_related("instance__contrat"), pk=pk)


def _enregistrer_seance(request, contrat, seance):
    """The meeting, its attendance and its decisions in one write; a stale version of the meeting or of
    any decision it changes is refused (409), showing what the other person saved."""
    creation = seance.pk is None
    if creation and request.method == "POST" and (deja := jetons.deja_envoye(request)) is not None:
        return jetons.vers_le_premier(request, deja, reverse("gouvernance:page", args=[contrat.slug]))
    ancien_fichier = seance.fichier.name if seance.fichier else ""
    form = SeanceForm(request.POST or None, request.FILES or None, instance=seance, contrat=contrat,
                      initial={"version": seance.version})
    listes = formsets(seance, contrat, request.POST or None)
    presences, decisions = (f for _, f in listes)
    conflit = None
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for _, f in listes):
        objet = form.save(commit=False)

        def listes_enregistrees():
            presences.instance = decisions.instance = objet
            presences.save()
            if creation:  # everyone who sits in the instance is invited
                Presence.objects.bulk_create(Presence(seance=objet, membre=m, nom=m.designation[:300])
                                             for m in objet.instance.membres.select_related("partenaire"))
            versions.enregistrer_formset(request.user, decisions)

        try:
            if creation:
                jetons.une_fois(form.cleaned_data.get("jeton"),
                                lambda: versions.creer(request.user, objet, ensuite=listes_enregistrees))
            else:
                versions.modifier(request.user, objet, form.cleaned_data["version"], ensuite=listes_enregistrees)
        except jetons.DejaEnvoye as deja:
            return jetons.vers_le_premier(request, deja.adresse, reverse("gouvernance:page", args=[contrat.slug]))
        except versions.Doublon as refus:
            form.add_error(None, str(refus))
        except versions.Conflit as erreur:
            conflit = contexte_conflit(request, erreur, getattr(erreur, "form", form))
            if conflit is None:
                return redirect(reverse("gouvernance:page", args=[contrat.slug]))
        else:
            # The minutes file it replaces (or that was cleared) leaves the disk once the write is kept.
            if ancien_fichier and ancien_fichier != objet.fichier.name:
                stockage = objet.fichier.storage
                transaction.on_commit(lambda: stockage.delete(ancien_fichier))
            messages.success(request, "La séance est enregistrée.")
            return redirect(objet)
    titre = "Nouvelle séance" if creation else f"Modifier la séance : {seance}"
    ctx = {"form": form, "listes": listes, "contrat": contrat, "titre": titre, "conflit": conflit,
           "aide": "Les dates s'écrivent JJ/MM/AAAA ou AAAA-MM-JJ ; l'ordre du jour, un point par ligne.",
           "retour": seance.get_absolute_url() if seance.pk else reverse("gouvernance:page", args=[contrat.slug])}
    return render(request, "gouvernance/formulaire.html", ctx, status=409 if conflit else 200)


def seance_creer(request, slug):
    contrat = _contrat_gere(request, slug)
    return _enregistrer_seance(request, contrat, Seance())


def seance_modifier(request, pk):
    seance = _seance_visible(request, pk)
    _contrat_gere(request, seance.instance.contrat.slug)
    return _enregistrer_seance(request, seance.instance.contrat, seance)


def seance(request, pk):
    objet = _seance_visible(request, pk)
    decisions = objet.decisions.select_related("partenaire").prefetch_related("fiches", "dispositifs")
    suivables = permissions.decisions_suivables(request.user, objet)
    ctx = {
        "seance": objet, "contrat": objet.instance.contrat,
        "presences": objet.presences.select_related("membre__partenaire"),
        "decisions": [(d, d.pk in suivables) for d in decisions],
        "statuts": Decision.Statut.choices,
        "gere": permissions.peut_gerer_gouvernance(request.user, objet.instance.contrat),
        "historique": historique.journal("seance", objet.pk, 50),
    }
    return render(request, "gouvernance/seance.html", ctx)


def seance_fichier(request, pk):
    objet = _seance_visible(request, pk)
    if not objet.fichier:
        raise Http404("Aucun fichier pour cette séance.")
    return FileResponse(objet.fichier.open("rb"), as_attachment=True, filename=objet.fichier.name.rsplit("/", 1)[-1])


@require_POST
def decision_statut(request, pk):
    decision = get_object_or_404(Decision.objects.visible_to(request.user).select_related("seance__instance__contrat"), pk=pk)
    if not permissions.peut_suivre_decision(request.user, decision):
        raise PermissionDenied("Seul le partenaire responsable de cette décision en change le statut.")
    form = StatutDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Statut invalide : choisissez-en un dans la liste.")
        return redirect(decision.seance)
    decision.statut = form.cleaned_data["statut"]
    try:
        versions.modifier(request.user, decision, form.cleaned_data["version"])
    except versions.Conflit:
        messages.error(request, "Cette décision a été mise à jour entre-temps : relisez son statut avant de le changer.")
    else:
        messages.success(request, "Le statut de la décision est enregistré.")
    return redirect(decision.seance)


# -- exports --------------------------------------------------------------------------


def _pdf(html, nom):
    return telechargements.pdf(html_en_pdf(html), nom)


def gouvernance_pdf(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    instances = list(_instances(contrat))
    colonnes = [(libelle, [i for i in instances if i.colonne == valeur and i.parent_id is None])
                for valeur, libelle in Instance.Colonne.choices]
    html = render_to_string("gouvernance/schema_pdf.html", {
        "contrat": contrat, "colonnes": [c for c in colonnes if c[1]],
        "autres": [i for i in instances if not i.colonne and i.parent_id is None], "edition": timezone.localdate()})
    return _pdf(html, f"gouvernance-{contrat.slug}.pdf")


def seance_pdf(request, pk, document):
    objet = _seance_visible(request, pk)
    html = render_to_string(f"gouvernance/{document}_pdf.html", {
        "seance": objet, "presences": objet.presences.select_related("membre__partenaire"),
        "decisions": objet.decisions.select_related("partenaire"), "edition": timezone.localdate()})
    return _pdf(html, f"{document}-{objet.instance.slug}-{objet.date:%Y-%m-%d}.pdf")


def decisions_xlsx(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    decisions = (Decision.objects.filter(seance__instance__contrat=contrat)
                 .select_related("seance__instance", "partenaire").prefetch_related("fiches", "dispositifs")
                 .order_by("seance__date", "pk"))
    feuille = feuille_avec_entetes(Workbook(), "Décisions", [
        ("Instance", 30), ("Séance", 12), ("Décision", 60), ("Partenaire responsable", 28), ("Échéance", 12),
        ("Statut", 12), ("Fiches", 30), ("Dispositifs", 30)])
    for ligne, d in enumerate(decisions, 2):
        cellule_texte(feuille.cell(row=ligne, column=1), d.seance.instance.nom)
        feuille.cell(row=ligne, column=2, value=d.seance.date).number_format = "DD/MM/YYYY"
        cellule_texte(feuille.cell(row=ligne, column=3), d.texte)
        cellule_texte(feuille.cell(row=ligne, column=4), d.partenaire.nom if d.partenaire else "")
        if d.echeance:
            feuille.cell(row=ligne, column=5, value=d.echeance).number_format = "DD/MM/YYYY"
        cellule_texte(feuille.cell(row=ligne, column=6), d.get_statut_display())
        cellule_texte(feuille.cell(row=ligne, column=7), "\n".join(f.titre for f in d.fiches.all()))
        cellule_texte(feuille.cell(row=ligne, column=8), "\n".join(x.intitule for x in d.dispositifs.all()))
    feuille.auto_filter.ref = feuille.dimensions
    sortie = io.BytesIO()
    feuille.parent.save(sortie)
    return telechargements.xlsx(sortie.getvalue(), f"decisions-{contrat.slug}.xlsx")


# -- instances --------------------------------------------------------------------------


def _slug_libre(contrat, nom):
    """The instance's identifier: its name, numbered if the contract already has it."""
    base = slugify(nom)[:70] or "instance"
    pris = set(contrat.instances.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in pris:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _enregistrer_instance(request, contrat, objet):
    creation = objet.pk is None
    if creation and request.method == "POST" and (deja := jetons.deja_envoye(request)) is not None:
        return jetons.vers_le_premier(request, deja, reverse("gouvernance:page", args=[contrat.slug]))
    form = InstanceForm(request.POST or None, instance=objet, contrat=contrat)
    membres = membres_formset(objet, request.POST or None)
    conflit = None
    if request.method == "POST" and form.is_valid() and membres.is_valid():
        enregistree = form.save(commit=False)

        def membres_enregistres():
            membres.instance = enregistree
            membres.save()

        try:
            if creation:
                enregistree.slug = _slug_libre(contrat, form.cleaned_data["nom"])
                enregistree.ordre = (contrat.instances.aggregate(m=Max("ordre"))["m"] or 0) + 1
                jetons.une_fois(form.cleaned_data.get("jeton"),
                                lambda: versions.creer(request.user, enregistree, ensuite=membres_enregistres))
            else:
                versions.modifier(request.user, enregistree, form.cleaned_data["version"], ensuite=membres_enregistres)
        except jetons.DejaEnvoye as deja:
            return jetons.vers_le_premier(request, deja.adresse, reverse("gouvernance:page", args=[contrat.slug]))
        except versions.Doublon as refus:
            form.add_error(None, str(refus))
        except versions.Conflit as erreur:
            conflit = contexte_conflit(request, erreur, form)
            if conflit is None:
                return redirect(reverse("gouvernance:page", args=[contrat.slug]))
        else:
            messages.success(request, f"L'instance « {enregistree.nom} » est enregistrée.")
            return redirect(enregistree)
    titre = "Nouvelle instance" if creation else f"Modifier l'instance « {objet.nom} »"
    ctx = {"form": form, "listes": [("Membres", membres)], "contrat": contrat, "titre": titre, "conflit": conflit,
           "aide": "Le rythme : un nombre de réunions par période, et si besoin les mois (« 10 » pour octobre, "
                   "« 3-4,11-12 » pour mars/avril et novembre/décembre). Les missions : une par ligne.",
           "retour": reverse("gouvernance:page", args=[contrat.slug])}
    return render(request, "gouvernance/formulaire.html", ctx, status=409 if conflit else 200)


def instance_creer(request, slug):
    contrat = _contrat_gere(request, slug)
    return _enregistrer_instance(request, contrat, Instance(contrat=contrat))


def instance_modifier(request, pk):
    objet = get_object_or_404(Instance.objects.visible_to(request.user).select_related("contrat"), pk=pk)
    _contrat_gere(request, objet.contrat.slug)
    return _enregistrer_instance(request, objet.contrat, objet)
