"""The home page: what this person has to do now, whatever their role.

It reads every domain app (contributions to complete, decisions due, indicators to measure,
meetings missed): it sits above them all, and none of them imports it.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from contrat import invitations, permissions
from contrat.models import Contrat, Habilitation, Partenaire
from engagements import collectes
from engagements.models import Collecte, Contribution
from fiches.models import Fiche, Indicateur, Intervenant, Mesure
from gouvernance.models import Decision, Instance
from gouvernance.rythmes import acheve
from gouvernance.rythmes import suivi as rythmes
from noyau import pagination
from tenues import lignes as tenues

BIENTOT = timedelta(days=30)  # a decision due within a month is on the list


PAR_PAGE = 20  # open campaigns on one page of a national partner's home


def _taches_agent(request, partenaires, jour):
    """A partner agent's work: contributions to complete, decisions due, indicator values to enter.

    A national partner (a CAF, France Travail) is expected in dozens of campaigns: they are counted in
    one aggregate and shown 20 at a time (``?page=``), each with what is left to enter; only the
    campaigns of the page are followed."""
    user = request.user
    a_completer, soumises = [], []
    ouvertes = (
        Collecte.objects.ouvertes()
        .visible_to(user)
        .filter(pk__in=Collecte.partenaires.through.objects.filter(partenaire__in=partenaires).values("collecte"))
        .select_related("contrat")
        .prefetch_related("partenaires")
        .order_by("echeance", "contrat__nom", "pk")
    )
    nombres = ouvertes.aggregate(total=Count("pk"), en_retard=Count("pk", filter=Q(echeance__lt=jour)))
    page = pagination.page(request, ouvertes, PAR_PAGE, compte=nombres["total"])
    roles = permissions.agents(user)
    suivis = collectes.suivi_des_collectes(page.object_list, partenaires)
    for collecte in page.object_list:
        for position in suivis[collecte.pk]:
            if not position.attendu or (position.partenaire.pk, collecte.contrat_id) not in roles:
                continue
            ligne = {"collecte": collecte, "position": position, "en_retard": jour > collecte.echeance}
            (a_completer if position.a_completer else soumises).append(ligne)
    decisions = (
        Decision.objects.visible_to(user)
        .filter(permissions.filtre_agent(user, "partenaire", "seance__instance__contrat"), echeance__lte=jour + BIENTOT)
        .exclude(statut__in=[Decision.Statut.FAITE, Decision.Statut.ABANDONNEE])
        .select_related("seance__instance__contrat", "partenaire")
        .order_by("echeance", "pk")
    )
    annee_mesuree = jour.year - 1
    porteuses = Intervenant.objects.filter(
        permissions.filtre_agent(user, "partenaire", "fiche__contrat"), role=Intervenant.Role.PORTEUR
    ).values("fiche")
    indicateurs = (
        Indicateur.objects.visible_to(user)
        .filter(fiche__in=porteuses)
        .exclude(pk__in=Mesure.objects.filter(annee=annee_mesuree, valeur__isnull=False).values("indicateur"))
        .select_related("fiche__contrat")
        .order_by("fiche__contrat__nom", "fiche__ordre", "ordre")
    )
    # Counted by fiche, with a link to each: dozens of indicators read as a few fiches, not a wall of links.
    comptes = dict(indicateurs.order_by().values_list("fiche").annotate(nombre=Count("pk")))
    fiches = Fiche.objects.select_related("contrat").in_bulk(comptes)
    par_fiche = sorted(
        ((fiches[pk], nombre) for pk, nombre in comptes.items()), key=lambda f: (f[0].contrat.nom, f[0].ordre, f[0].pk)
    )
    return {
        "page": page,
        "collectes_ouvertes": nombres["total"],
        "collectes_en_retard": nombres["en_retard"],
        "a_completer": a_completer,
        "soumises": soumises,
        "decisions": list(decisions[:PAR_PAGE]),
        "decisions_total": decisions.count(),
        "indicateurs_par_fiche": par_fiche,
        "indicateurs_total": sum(nombre for _, nombre in par_fiche),
        "annee_mesuree": annee_mesuree,
        "tenues": tenues.a_renseigner(user, annee_mesuree),
    }


def mise_en_route(contrat):
    """A new contract's set-up, step by step, each with its state: [(step, done, what there is, URL name)]. Said
    on its chef's home until every step is done; the steps are those a signed contract needs before its
    first campaign."""
    from contrat.models import Invitation, Membre, Objectif, PerimetreQuartier

    quartiers = PerimetreQuartier.objects.filter(contrat=contrat).count()
    partenaires = contrat.partenaires.count()
    objectifs = Objectif.objects.filter(orientation__pilier__contrat=contrat, archive=False).count()
    agents = Membre.objects.filter(contrat=contrat, role=Membre.Role.AGENT, actif=True).count()
    invites = Invitation.objects.filter(contrat=contrat, acceptee_le__isnull=True, revoquee=False).count()
    collectes_ = Collecte.objects.filter(contrat=contrat).count()

    def nombre(n, mot):
        return f"{n} {mot}{'s' if n > 1 else ''}"

    return [
        ("Le périmètre : communes et quartiers", quartiers > 0, nombre(quartiers, "quartier"), "contrat:perimetre"),
        ("Les partenaires signataires", partenaires > 1, nombre(partenaires, "partenaire"), "contrat:partenaires"),
        (
            f"L'arbre : {contrat.niveau_1.lower()} et {contrat.niveau_3.lower()}",
            objectifs > 0,
            nombre(objectifs, "élément") + " au dernier niveau",
            "contrat:arbre",
        ),
        (
            "Les agents des partenaires invités",
            agents + invites > 0,
            f"{nombre(agents, 'agent')}, {nombre(invites, 'invitation')} en attente",
            "contrat:membres",
        ),
        ("La première collecte ouverte", collectes_ > 0, nombre(collectes_, "collecte"), "engagements:collecte_ouvrir"),
    ]


def _pilotage(contrats, jour):
    """A chef de projet's view of each contract they lead."""
    blocs = []
    tenues_a_valider = tenues.a_valider(contrats)
    for contrat in contrats:
        campagnes = []
        for collecte in contrat.collectes.ouvertes().prefetch_related("partenaires"):
            positions = collectes.suivi(contrat, collecte.annee, collecte)
            attendues = [p for p in positions if p.attendu]
            campagnes.append(
                {
                    "collecte": collecte,
                    "attendues": len(attendues),
                    "validees": sum(1 for p in attendues if p.etat == collectes.Etat.VALIDEE),
                    "a_valider": [p for p in positions if p.etat == collectes.Etat.SOUMISE],
                    "en_retard": [p for p in attendues if collectes.en_retard(collecte, p, jour)],
                }
            )
        # A contract that has ended expects no more séances: its governance page says what was missed.
        instances = (
            []
            if acheve(contrat, jour)
            else list(
                Instance.objects.du_contrat(contrat).select_related("contrat", "document").prefetch_related("seances")
            )
        )
        # Submitted outside an open campaign (a bilan sent without one, a campaign closed since): still his to read.
        ouvertes = {(c["collecte"].annee, c["collecte"].nature) for c in campagnes}
        hors_campagne = [
            c
            for c in Contribution.objects.filter(contrat=contrat, statut=Contribution.Statut.SOUMIS)
            .select_related("partenaire")
            .order_by("annee", "nature", "partenaire__nom")
            if (c.annee, c.nature) not in ouvertes
        ]
        etapes = mise_en_route(contrat)
        blocs.append(
            {
                "contrat": contrat,
                "mise_en_route": etapes if not all(fait for _, fait, _, _ in etapes) else [],
                "campagnes": campagnes,
                "soumises_hors_campagne": hors_campagne,
                "instances_en_retard": [s for s in rythmes(instances, jour) if s.manque],
                "tenues_a_valider": tenues_a_valider.get(contrat.pk, []),
                "decisions": list(
                    Decision.objects.filter(seance__instance__contrat=contrat)
                    .en_souffrance(jour)
                    .select_related("seance__instance", "partenaire")[:20]
                ),
            }
        )
    return blocs


def accueil(request):
    user, jour = request.user, timezone.localdate()
    partenaires = Partenaire.objects.filter(pk__in=permissions.partenaires_agent(user))
    pilotes = Contrat.objects.filter(pk__in=permissions.contrats_pilotes(user)).order_by("nom")
    ctx = {
        "jour": jour,
        "invitations": list(invitations.en_attente_pour(user)),
        "partenaires": list(partenaires),
        "agent": _taches_agent(request, partenaires, jour) if partenaires else None,
        "pilotage": _pilotage(pilotes, jour),
        "contrats": Contrat.objects.visible_to(user).filter(~Q(pk__in=pilotes.values("pk"))).order_by("nom")[:20],
        # A role across contracts (a State service, a network's direction): the consolidation is its page.
        "habilitations": list(Habilitation.objects.actives().filter(user=user).select_related("partenaire"))
        if user.is_authenticated
        else [],
    }
    return render(request, "accueil/accueil.html", ctx)


@login_not_required
def accessibilite(request):
    return render(request, "accueil/accessibilite.html", {"contact": settings.ADRESSE_DE_CONTACT})


@login_not_required
def mentions_legales(request):
    return render(
        request, "accueil/mentions_legales.html", {"editeur": settings.EDITEUR, "contact": settings.ADRESSE_DE_CONTACT}
    )


@login_not_required
def donnees_personnelles(request):
    return render(
        request,
        "accueil/donnees_personnelles.html",
        {"editeur": settings.EDITEUR, "contact": settings.ADRESSE_DE_CONTACT},
    )
