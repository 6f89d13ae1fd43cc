import re
from datetime import datetime, timedelta
from datetime import timezone as fuseau

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Prefetch, ProtectedError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from contrat import permissions
from contrat.models import Contrat
from gouvernance.permissions import decisions_suivables, peut_gerer_gouvernance, peut_suivre_decision
from noyau import historique, jetons, telechargements, versions
from noyau.classeurs import Colonne, classeur_plat
from noyau.enregistrement import action, enregistrer, repondre
from noyau.formulaires import formulaires_refuses, sans_erreurs
from noyau.issues import CONFLIT, DOUBLON, SUPPRIME, tenter
from noyau.pdf import html_en_pdf

from . import partages
from .convocation import convoques
from .forms import (
    LIGNES_EN_PLUS,
    InstanceForm,
    SeanceForm,
    StatutDecisionForm,
    colonnes_formset,
    formsets,
    membres_formset,
)
from .models import Decision, Instance, Membre, Presence, Seance, cle_presence, colonnes_du_schema
from .rythmes import acheve, suivi


def _instances(contrat):
    """The bodies in use of the contract (its own and those shared with it), with what the scheme prints."""
    membres = Prefetch("membres", queryset=Membre.objects.select_related("partenaire"))
    actives = Instance.objects.filter(archivee=False)
    sous_instances = Prefetch(
        "sous_instances",
        queryset=actives.select_related("instance_liee", "parent").prefetch_related(
            membres, "contrats_associes", Prefetch("sous_instances", queryset=actives)
        ),
    )
    return (
        Instance.objects.du_contrat(contrat)
        .filter(archivee=False)
        .select_related("document", "contrat", "parent", "instance_liee")
        .prefetch_related(membres, "seances", sous_instances, "contrats_associes")
    )


def _schema(contrat, instances):
    """[(clé, intitulé, instances at the top of that column)] and the top bodies of no column. A body
    whose parent is not shown (archived, or of another contract) stands at the top itself."""
    montrees = {i.pk for i in instances}
    en_tete = [i for i in instances if i.parent_id is None or i.parent_id not in montrees]
    colonnes = [
        (cle, libelle, [i for i in en_tete if i.colonne == cle]) for cle, libelle in colonnes_du_schema(contrat)
    ]
    placees = {i.pk for _, _, liste in colonnes for i in liste}
    return colonnes, [i for i in en_tete if i.pk not in placees]


def page(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    jour = timezone.localdate()
    instances = list(_instances(contrat))
    suivis = suivi(instances, jour)
    colonnes, autres = _schema(contrat, instances)
    fini = acheve(contrat, jour)
    pilote = peut_gerer_gouvernance(request.user, contrat)
    ctx = {
        "contrat": contrat,
        "jour": jour,
        "colonnes": colonnes,
        "autres": autres,
        "acheve": fini,
        "largeur_colonne": max(3, 12 // max(1, sum(1 for c in colonnes if c[2]))),
        "prochaines": sorted(((c, s.instance) for s in suivis for c in s.prochaines), key=lambda x: x[0].debut)[:15],
        # Once the contract has ended, each body once with all it missed; before, what is late now.
        "en_retard": [s for s in suivis if (s.manques if fini else s.manque)],
        "sans_rythme": [i for i in instances if not i.frequence or not i.periode or i.selon_besoins],
        "decisions_en_souffrance": (
            Decision.objects.filter(seance__instance__in=Instance.objects.du_contrat(contrat))
            .en_souffrance(jour)
            .select_related("seance__instance", "partenaire")
        ),
        "seances": (
            Seance.objects.filter(instance__in=Instance.objects.du_contrat(contrat)).select_related("instance")[:20]
        ),
        "archivees": list(contrat.instances.filter(archivee=True)),
        "pilote": pilote,
        "proposees": list(Instance.objects.proposees_a(contrat)) if pilote else [],
        "acceptees": list(contrat.partages_acceptes.select_related("instance__contrat")) if pilote else [],
    }
    return render(request, "gouvernance/page.html", ctx)


def duree_de(instance):
    """How long a séance lasts in a calendar: the rhythm's « ½ journée », « journée », « 2 h 30 », else 2 h."""
    texte = instance.duree.lower()
    if "½" in texte or "demi" in texte:
        return timedelta(hours=4)
    if "journée" in texte or "journee" in texte:
        return timedelta(hours=8)
    if heures := re.search(r"(\d+)\s*h(?:eures?)?\s*(\d+)?", texte):
        return timedelta(hours=int(heures[1]), minutes=int(heures[2] or 0))
    return timedelta(hours=2)


def seances_ics(request, slug):
    """The contract's meetings as an iCalendar feed (RFC 5545: escaping and folding by `icalendar`)."""
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    agenda = Calendar()
    agenda.add("prodid", "-//Contrats de ville//Séances//FR")
    agenda.add("version", "2.0")
    agenda.add("calscale", "GREGORIAN")
    agenda.add("x-wr-calname", contrat.nom)
    maintenant = timezone.now()
    seances = Seance.objects.filter(instance__in=Instance.objects.du_contrat(contrat))
    for seance in seances.select_related("instance").order_by("date", "pk"):
        evenement = Event()
        # The same séance under any address the application answers to: one event in a calendar.
        evenement.add("uid", f"seance-{seance.pk}@contrats-de-ville")
        evenement.add("dtstamp", maintenant)
        if seance.heure:
            debut = timezone.make_aware(datetime.combine(seance.date, seance.heure)).astimezone(fuseau.utc)
            evenement.add("dtstart", debut)
            evenement.add("dtend", debut + duree_de(seance.instance))
        else:  # a day: the whole of it
            evenement.add("dtstart", seance.date)
            evenement.add("dtend", seance.date + timedelta(days=1))
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
    if not peut_gerer_gouvernance(request.user, contrat):
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
    form = SeanceForm(
        request.POST or None,
        request.FILES or None,
        instance=seance,
        contrat=contrat,
        initial={"version": seance.version},
    )
    listes = formsets(seance, contrat, request.POST or None)
    presences, decisions = (f for _, f in listes)

    def ecrire():
        objet = form.save(commit=False)

        def listes_enregistrees():
            presences.instance = decisions.instance = objet
            presences.save()
            if creation:  # everyone who sits in the instance is invited, each group by its people, but those
                # typed on the form already (« présent ») are not added again as « invité »
                deja = {cle_presence(p.nom, p.partenaire_id) for p in Presence.objects.filter(seance=objet)}
                Presence.objects.bulk_create(
                    p for p in convoques(objet) if cle_presence(p.nom, p.partenaire_id) not in deja
                )
            versions.enregistrer_formset(request.user, decisions)

        if creation:
            jetons.une_fois(
                form.cleaned_data.get("jeton"),
                lambda: versions.creer(request.user, objet, ensuite=listes_enregistrees),
            )
        else:
            versions.modifier(request.user, objet, form.cleaned_data["version"], ensuite=listes_enregistrees)
        # The minutes file it replaces (or that was cleared) leaves the disk once the write is kept.
        if ancien_fichier and ancien_fichier != objet.fichier.name:
            stockage = objet.fichier.storage
            transaction.on_commit(lambda: stockage.delete(ancien_fichier))
        return objet

    page = reverse("gouvernance:page", args=[contrat.slug])
    return enregistrer(
        request,
        form,
        ecrire,
        gabarit="gouvernance/formulaire.html",
        contexte={
            "listes": listes,
            "contrat": contrat,
            "titre": "Nouvelle séance" if creation else f"Modifier la séance : {seance}",
            "aide": "Les dates s'écrivent JJ/MM/AAAA ou AAAA-MM-JJ ; l'ordre du jour, un point par ligne.",
            "retour": seance.get_absolute_url() if seance.pk else page,
        },
        message="La séance est enregistrée.",
        suite=lambda objet: objet,
        retour=page,
        listes=[presences, decisions],
    )


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
    suivables = decisions_suivables(request.user, objet)
    ctx = {
        "seance": objet,
        "contrat": objet.instance.contrat,
        "presences": objet.presences.select_related("membre__partenaire", "partenaire"),
        "decisions": [(d, d.pk in suivables) for d in decisions],
        "statuts": Decision.Statut.choices,
        "gere": peut_gerer_gouvernance(request.user, objet.instance.contrat),
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
    decision = get_object_or_404(
        Decision.objects.visible_to(request.user).select_related("seance__instance__contrat"), pk=pk
    )
    if not peut_suivre_decision(request.user, decision):
        raise PermissionDenied("Seul le partenaire responsable de cette décision en change le statut.")
    form = StatutDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Statut invalide : choisissez-en un dans la liste.")
        return redirect(decision.seance)
    statut = form.cleaned_data["statut"]

    def changer():
        decision.statut = statut
        versions.modifier(request.user, decision, decision.version)
        return "Le statut de la décision est enregistré."

    # A page shown before a colleague's update changes nothing: 409, and the way back to the séance.
    return action(
        request,
        decision,
        changer,
        perimee="Cette décision a été mise à jour depuis que la page a été affichée : relisez son statut avant de "
        "le changer. Rien n'a été enregistré.",
        retour=decision.seance.get_absolute_url(),
    )


# -- exports --------------------------------------------------------------------------


def _pdf(html, nom):
    return telechargements.pdf(html_en_pdf(html), nom)


def gouvernance_pdf(request, slug):
    """The scheme on landscape pages: the contract's own columns share the page's width; a long
    scheme breaks between bodies onto further pages, the columns' header repeated on each."""
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    colonnes, autres = _schema(contrat, list(_instances(contrat)))
    colonnes = [(libelle, liste) for _, libelle, liste in colonnes if liste]
    html = render_to_string(
        "gouvernance/schema_pdf.html",
        {"contrat": contrat, "colonnes": colonnes, "autres": autres, "edition": timezone.localdate()},
    )
    return _pdf(html, f"gouvernance-{contrat.slug}.pdf")


def seance_pdf(request, pk, document):
    objet = _seance_visible(request, pk)
    html = render_to_string(
        f"gouvernance/{document}_pdf.html",
        {
            "seance": objet,
            "presences": objet.presences.select_related("membre__partenaire", "partenaire"),
            "decisions": objet.decisions.select_related("partenaire"),
            "edition": timezone.localdate(),
        },
    )
    return _pdf(html, f"{document}-{objet.instance.slug}-{objet.date:%Y-%m-%d}.pdf")


def decisions_xlsx(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    decisions = (
        Decision.objects.filter(seance__instance__in=Instance.objects.du_contrat(contrat))
        .select_related("seance__instance", "partenaire")
        .prefetch_related("fiches", "dispositifs")
        .order_by("seance__date", "pk")
    )
    colonnes = [
        Colonne("Instance", 30),
        Colonne("Séance", 12, "date"),
        Colonne("Décision", 60),
        Colonne("Partenaire responsable", 28),
        Colonne("Échéance", 12, "date"),
        Colonne("Statut", 12),
        Colonne("Fiches", 30),
        Colonne("Dispositifs", 30),
    ]
    lignes = (
        [
            d.seance.instance.nom,
            d.seance.date,
            d.texte,
            d.partenaire.nom if d.partenaire else "",
            d.echeance,
            d.get_statut_display(),
            "\n".join(f.titre for f in d.fiches.all()),
            "\n".join(x.intitule for x in d.dispositifs.all()),
        ]
        for d in decisions
    )
    contenu = classeur_plat(("Décisions", colonnes, lignes))
    return telechargements.xlsx(contenu, f"decisions-{contrat.slug}.xlsx")


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
    donnees = request.POST or None
    plus_de_lignes = donnees is not None and "ajouter_lignes" in donnees
    if plus_de_lignes:  # more blank member rows, what was typed kept, nothing saved yet
        donnees = donnees.copy()
        donnees["membres-TOTAL_FORMS"] = str(int(donnees.get("membres-TOTAL_FORMS") or 0) + LIGNES_EN_PLUS)
    offerts = Contrat.objects.visible_to(request.user)
    if not request.user.is_superuser:
        offerts = offerts.filter(pk__in=permissions.contrats_pilotes(request.user))
    form = InstanceForm(donnees, instance=objet, contrat=contrat, contrats_offerts=offerts)
    membres = membres_formset(objet, contrat, donnees)
    if plus_de_lignes:
        sans_erreurs(form, membres)

    def ecrire():
        enregistree = form.save(commit=False)
        # Without other contracts to choose from the field is not shown: the ones it serves stay as they are.
        m2m = {}
        if "contrats_associes" in form.cleaned_data:
            # The offers to contracts this user does not lead are not his to withdraw: kept as they are.
            hors_choix = objet.contrats_associes.exclude(pk__in=offerts.values("pk")) if objet.pk else []
            m2m["contrats_associes"] = [*form.cleaned_data["contrats_associes"], *hors_choix]

        def membres_enregistres():
            membres.instance = enregistree
            membres.save()
            if m2m:
                partages.suivre_les_offres(request.user, enregistree, m2m["contrats_associes"])

        if creation:
            enregistree.slug = _slug_libre(contrat, form.cleaned_data["nom"])
            enregistree.ordre = (contrat.instances.aggregate(m=Max("ordre"))["m"] or 0) + 1
            return jetons.une_fois(
                form.cleaned_data.get("jeton"),
                lambda: versions.creer(request.user, enregistree, m2m, ensuite=membres_enregistres),
            )
        versions.modifier(request.user, enregistree, form.cleaned_data["version"], m2m, ensuite=membres_enregistres)
        return enregistree

    titre = "Nouvelle instance" if creation else f"Modifier l'instance « {objet.nom} »"
    page = reverse("gouvernance:page", args=[contrat.slug])
    return enregistrer(
        request,
        form,
        ecrire,
        gabarit="gouvernance/formulaire.html",
        contexte={
            "listes": [("Membres", membres)],
            "contrat": contrat,
            "titre": titre,
            "ajouter_lignes": LIGNES_EN_PLUS,
            "objet": None if creation else objet,
            "aide": "Le rythme : un nombre de réunions par période (« au moins » s'il s'agit d'un minimum), et si "
            "besoin les mois (« 10 » pour octobre, « 3-4,11-12 » pour mars/avril et novembre/décembre). Les "
            "missions : une par ligne. Un membre est une organisation, une fonction (« le Maire » et sa commune) "
            "ou un groupe (les signataires, les financeurs, les agents d'une organisation).",
            "retour": page,
        },
        message=lambda enregistree: f"L'instance « {enregistree.nom} » est enregistrée.",
        suite=lambda enregistree: enregistree,
        retour=page,
        listes=[membres],
        sauver=not plus_de_lignes,
    )


def instance_creer(request, slug):
    contrat = _contrat_gere(request, slug)
    return _enregistrer_instance(request, contrat, Instance(contrat=contrat))


def _instance_geree(request, pk):
    objet = get_object_or_404(Instance.objects.visible_to(request.user).select_related("contrat"), pk=pk)
    _contrat_gere(request, objet.contrat.slug)
    return objet


def instance_modifier(request, pk):
    objet = _instance_geree(request, pk)
    return _enregistrer_instance(request, objet.contrat, objet)


@require_POST
def instance_supprimer(request, pk):
    """A body entered by mistake goes; one that has met is archived (its séances stay readable)."""
    objet = _instance_geree(request, pk)
    if objet.sous_instances.filter(archivee=False).exists():
        noms = ", ".join(f"« {i.nom} »" for i in objet.sous_instances.filter(archivee=False))
        messages.error(
            request, f"« {objet.nom} » a des sous-instances ({noms}) : rattachez-les ailleurs ou supprimez-les d'abord."
        )
        return redirect(objet)

    def supprimer():
        lue = objet.version
        if objet.seances.exists() or objet.sous_instances.exists():
            objet.archivee = True
            versions.modifier(request.user, objet, lue)
            return (
                f"« {objet.nom} » a des séances enregistrées : elle est archivée. Elle ne paraît plus dans le "
                "schéma ni dans le suivi ; ses séances restent consultables."
            )
        try:
            versions.supprimer(request.user, objet, lue)
        except ProtectedError:
            messages.error(request, f"« {objet.nom} » est rattachée à d'autres données : elle n'est pas supprimée.")
            return None
        return f"L'instance « {objet.nom} » est supprimée."

    return action(
        request,
        objet,
        supprimer,
        perimee=f"« {objet.nom} » a changé depuis que la page a été affichée : rien n'a été supprimé.",
        retour=reverse("gouvernance:page", args=[objet.contrat.slug]),
    )


@require_POST
def instance_retablir(request, pk):
    objet = _instance_geree(request, pk)

    def retablir():
        lue = objet.version
        objet.archivee = False
        versions.modifier(request.user, objet, lue)
        return f"L'instance « {objet.nom} » est rétablie."

    return action(
        request,
        objet,
        retablir,
        perimee=f"« {objet.nom} » a changé depuis que la page a été affichée : rien n'a été fait.",
        retour=reverse("gouvernance:page", args=[objet.contrat.slug]),
        suite=objet.get_absolute_url(),
    )


def colonnes(request, slug):
    """The columns of the contract's scheme, as its chef de projet names and orders them."""
    contrat = _contrat_gere(request, slug)
    formset = colonnes_formset(contrat, request.POST or None)
    if request.method == "POST" and formset.is_valid():
        ici = reverse("gouvernance:colonnes", args=[contrat.slug])

        @transaction.atomic
        def ecrire():
            _enregistrer_colonnes(request.user, contrat, formset)
            return contrat

        issue = tenter(ecrire)
        if issue.nature in (CONFLIT, SUPPRIME):  # columns changed, added or removed meanwhile: 409, nothing written
            issue.nature = CONFLIT
            issue.message = "Les colonnes ont été modifiées entre-temps : rien n'a été enregistré. Relisez-les."
        if issue.nature == DOUBLON:  # above the columns, 400
            formset._non_form_errors = formset.error_class([issue.message])
        else:
            return repondre(
                request,
                issue,
                message="Les colonnes du schéma sont enregistrées.",
                suite=reverse("gouvernance:page", args=[contrat.slug]),
                retour=ici,
            )
    ctx = {
        "contrat": contrat,
        "formset": formset,
        "titre": "Colonnes du schéma de gouvernance",
        "retour": reverse("gouvernance:page", args=[contrat.slug]),
    }
    refus = request.method == "POST" and formulaires_refuses(formset)
    return render(request, "gouvernance/colonnes.html", ctx, status=400 if refus else 200)


def _enregistrer_colonnes(user, contrat, formset):
    # One writer at a time per contract; a page that did not show the columns saved since (a second
    # click on « Enregistrer » after the protocol's four were created) would add them again.
    Contrat.objects.select_for_update().filter(pk=contrat.pk).first()
    if formset.initial_form_count() != contrat.colonnes_du_schema.count():
        raise versions.Conflit(None)
    pris = set(contrat.colonnes_du_schema.values_list("cle", flat=True))
    gardees = []
    for form in formset.forms:
        if form in formset.deleted_forms:
            if form.instance.pk:
                versions.supprimer(user, form.instance, form.cleaned_data.get("version"))
            continue
        if not form.cleaned_data.get("libelle"):
            continue
        gardees.append(form)
    gardees.sort(key=lambda f: (f.cleaned_data.get("ordre") is None, f.cleaned_data.get("ordre") or 0))
    for position, form in enumerate(gardees, 1):
        colonne = form.save(commit=False)
        colonne.ordre = position
        if colonne.pk:
            versions.modifier(user, colonne, form.cleaned_data.get("version") or colonne.version)
        else:
            cle = form.cleaned_data.get("cle") or slugify(colonne.libelle)[:50] or "colonne"
            base, n = cle, 2
            while cle in pris:
                cle, n = f"{base}-{n}", n + 1
            pris.add(cle)
            colonne.contrat, colonne.cle = contrat, cle
            versions.creer(user, colonne)
