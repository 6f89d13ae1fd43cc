import io
from datetime import datetime
from datetime import timezone as fuseau

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from contrat import permissions
from contrat.models import Contrat
from engagements.exports import cellule_texte, feuille_avec_entetes, html_en_pdf

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


def _echappe(texte):
    """RFC 5545 text: backslash, semicolon, comma and newlines escaped."""
    return (texte.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _plie(ligne):
    """Lines longer than 75 octets are folded (RFC 5545 §3.1)."""
    octets = ligne.encode("utf-8")
    morceaux = []
    while len(octets) > 75:
        coupe = 75 if not morceaux else 74
        while coupe and (octets[coupe] & 0xC0) == 0x80:  # never cut inside a UTF-8 character
            coupe -= 1
        morceaux.append(octets[:coupe].decode("utf-8"))
        octets = octets[coupe:]
    morceaux.append(octets.decode("utf-8"))
    return "\r\n ".join(morceaux)


def seances_ics(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    maintenant = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    lignes = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Contrats de ville//Séances//FR", "CALSCALE:GREGORIAN",
              f"X-WR-CALNAME:{_echappe(contrat.nom)}"]
    for seance in Seance.objects.filter(instance__contrat=contrat).select_related("instance").order_by("date", "pk"):
        lignes += ["BEGIN:VEVENT", f"UID:seance-{seance.pk}@{request.get_host()}", f"DTSTAMP:{maintenant}"]
        if seance.heure:
            debut = timezone.make_aware(datetime.combine(seance.date, seance.heure))
            lignes.append(f"DTSTART:{debut.astimezone(fuseau.utc):%Y%m%dT%H%M%SZ}")
        else:
            lignes.append(f"DTSTART;VALUE=DATE:{seance.date:%Y%m%d}")
        lignes.append(f"SUMMARY:{_echappe(seance.instance.nom)}")
        if seance.lieu:
            lignes.append(f"LOCATION:{_echappe(seance.lieu)}")
        if seance.ordre_du_jour:
            lignes.append(f"DESCRIPTION:{_echappe('Ordre du jour :' + chr(10) + seance.ordre_du_jour)}")
        lignes.append("END:VEVENT")
    lignes.append("END:VCALENDAR")
    contenu = "\r\n".join(_plie(l) for l in lignes) + "\r\n"
    response = HttpResponse(contenu, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="seances-{contrat.slug}.ics"'
    return response




# -- meetings -------------------------------------------------------------------------


def _contrat_gere(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    if not permissions.peut_gerer_gouvernance(request.user, contrat):
        raise PermissionDenied("Seul le chef de projet du contrat gère ses instances et ses séances.")
    return contrat


def _seance_visible(request, pk):
    return get_object_or_404(Seance.objects.visible_to(request.user).select_related("instance__contrat"), pk=pk)


def _enregistrer_seance(request, contrat, seance):
    """The meeting, its attendance and its decisions in one transaction; a stale version is refused."""
    creation = seance.pk is None
    form = SeanceForm(request.POST or None, request.FILES or None, instance=seance, contrat=contrat,
                      initial={"version": seance.version})
    listes = formsets(seance, contrat, request.POST or None)
    conflit = False
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for _, f in listes):
        with transaction.atomic():
            if not creation:
                lue = form.cleaned_data["version"]
                if not Seance.objects.filter(pk=seance.pk, version=lue).update(version=lue + 1):
                    conflit = True
                else:
                    form.instance.version = lue + 1
            if not conflit:
                objet = form.save()
                for _, formset in listes:
                    formset.instance = objet
                    formset.save()
                if creation:  # everyone who sits in the instance is invited
                    Presence.objects.bulk_create(Presence(seance=objet, membre=m, nom=str(m)) for m in objet.instance.membres.all())
        if not conflit:
            messages.success(request, "La séance est enregistrée.")
            return redirect(objet)
        messages.error(request, "Quelqu'un a modifié cette séance entre-temps : rien n'a été enregistré. "
                                "Rechargez la page pour voir sa version.")
    titre = "Nouvelle séance" if creation else f"Modifier la séance : {seance}"
    ctx = {"form": form, "listes": listes, "contrat": contrat, "titre": titre,
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
        "presences": objet.presences.all(),
        "decisions": [(d, d.pk in suivables) for d in decisions],
        "statuts": Decision.Statut.choices,
        "gere": permissions.peut_gerer_gouvernance(request.user, objet.instance.contrat),
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
    elif not Decision.objects.filter(pk=pk, version=form.cleaned_data["version"]).update(
            statut=form.cleaned_data["statut"], version=form.cleaned_data["version"] + 1):
        messages.error(request, "Cette décision a été mise à jour entre-temps : relisez son statut avant de le changer.")
    else:
        messages.success(request, "Le statut de la décision est enregistré.")
    return redirect(decision.seance)


# -- exports --------------------------------------------------------------------------


def _pdf(html, nom):
    response = HttpResponse(html_en_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{nom}"'
    return response


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
        "seance": objet, "presences": objet.presences.all(),
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
    response = HttpResponse(sortie.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="decisions-{contrat.slug}.xlsx"'
    return response


# -- instances --------------------------------------------------------------------------


def _enregistrer_instance(request, contrat, objet):
    creation = objet.pk is None
    form = InstanceForm(request.POST or None, instance=objet, contrat=contrat)
    membres = membres_formset(objet, request.POST or None)
    if request.method == "POST" and form.is_valid() and membres.is_valid():
        with transaction.atomic():
            if creation:
                form.instance.slug = slugify(form.cleaned_data["nom"])[:60] + f"-{timezone.now():%Y%m%d%H%M%S}"
                form.instance.ordre = (contrat.instances.aggregate(m=Max("ordre"))["m"] or 0) + 1
            enregistree = form.save()
            membres.instance = enregistree
            membres.save()
        messages.success(request, f"L'instance « {enregistree.nom} » est enregistrée.")
        return redirect(enregistree)
    titre = "Nouvelle instance" if creation else f"Modifier l'instance « {objet.nom} »"
    ctx = {"form": form, "listes": [("Membres", membres)], "contrat": contrat, "titre": titre,
           "aide": "Le rythme : un nombre de réunions par période, et si besoin les mois (« 10 » pour octobre, "
                   "« 3-4,11-12 » pour mars/avril et novembre/décembre). Les missions : une par ligne.",
           "retour": reverse("gouvernance:page", args=[contrat.slug])}
    return render(request, "gouvernance/formulaire.html", ctx)


def instance_creer(request, slug):
    contrat = _contrat_gere(request, slug)
    return _enregistrer_instance(request, contrat, Instance(contrat=contrat))


def instance_modifier(request, pk):
    objet = get_object_or_404(Instance.objects.visible_to(request.user).select_related("contrat"), pk=pk)
    _contrat_gere(request, objet.contrat.slug)
    return _enregistrer_instance(request, objet.contrat, objet)
