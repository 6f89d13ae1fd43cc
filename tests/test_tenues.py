"""Commitments that are not amounts, followed year by year: the partner gives each its measure
(indicator, target) and says, the year over, whether it was kept — tenu, partiellement tenu, non
tenu, non évalué — with a comment; the chef de projet validates, sends back or reopens. The same
rules on every route: version, lock, history, the year over."""

import re

import pytest
from django.contrib import admin

from engagements.models import EngagementReciproque
from fiches.models import Engagement
from noyau import versions
from noyau.models import Courriel, Historique
from tenues import lignes, services
from tenues.models import Tenue

from .formulaires_html import formulaire as formulaire_html

PAGE = "/contrats/grand-dijon/engagements-non-financiers/{}/"


@pytest.fixture
def donnees_caf(conventions):
    """The CAF's first commitment of its 2016-2017 convention."""
    return (
        EngagementReciproque.objects.filter(
            article__document__slug="convention-caf-2016-2017", partenaire__slug="caf-21"
        )
        .order_by("article__ordre", "ordre")
        .first()
    )


def formulaire(client, annee=2016):
    """The page and its POST data as the browser sends it unchanged."""
    reponse = client.get(PAGE.format(annee))
    assert reponse.status_code == 200
    donnees = {}
    for form in reponse.context["formulaires"]:
        for nom in form.fields:
            valeur = form.initial.get(nom)
            donnees[form.add_prefix(nom)] = "" if valeur is None else str(valeur)
    return reponse, donnees


def test_the_partner_measures_and_reports_the_chef_validates_and_the_row_is_locked(connecter, donnees_caf, comptes):
    agent = connecter("agent.caf")
    reponse, donnees = formulaire(agent)
    cles = [f.ligne.cle for f in reponse.context["formulaires"]]
    cle = f"r{donnees_caf.pk}"
    assert cle in cles
    # Only its organisation's commitments: none of Pôle emploi's, none of the parties' common ones.
    assert all(f.ligne.partenaire.slug == "caf-21" for f in reponse.context["formulaires"])
    donnees.update(
        {
            f"{cle}-indicateur": "Nombre de communes destinataires des données",
            f"{cle}-cible": "24 communes",
            f"{cle}-statut": "partiellement",
            f"{cle}-valeur": "18 communes",
            f"{cle}-commentaire": "Six communes restent à équiper.",
        }
    )
    reponse = agent.post(PAGE.format(2016), donnees, follow=True)
    assert "2 modifications enregistrées." in reponse.content.decode()
    donnees_caf.refresh_from_db()
    assert (donnees_caf.indicateur, donnees_caf.cible, donnees_caf.version) == (
        "Nombre de communes destinataires des données",
        "24 communes",
        2,
    )
    tenue = Tenue.objects.get(engagement_reciproque=donnees_caf, annee=2016)
    assert (tenue.statut, tenue.valeur, tenue.etat, tenue.partenaire.slug) == (
        "partiellement",
        "18 communes",
        "a_valider",
        "caf-21",
    )
    assert Historique.objects.filter(objet="tenue", objet_id=tenue.pk, action="creation").exists()
    assert Historique.objects.filter(objet="engagement_reciproque", objet_id=donnees_caf.pk).exists()

    # The chef de projet sees it to validate, and validates it.
    chef = connecter("chef.projet")
    page = chef.get(PAGE.format(2016))
    assert [t.pk for t in page.context["a_valider"]] == [tenue.pk]
    assert "Partiellement tenu" in page.content.decode()
    chef.post(PAGE.format(2016) + f"{tenue.pk}/valider/", {f"v{tenue.pk}": tenue.version})
    tenue.refresh_from_db()
    assert tenue.etat == "valide"

    # Validated: no form for it any more, and no route writes it.
    agent = connecter("agent.caf")
    reponse, _ = formulaire(agent)
    assert cle not in [f.ligne.cle for f in reponse.context["formulaires"]]
    tenue.statut = "tenu"
    with pytest.raises(versions.Verrouille, match="est validé"):
        versions.modifier(None, tenue, tenue.version)
    assert Tenue.objects.get(pk=tenue.pk).statut == "partiellement"
    modele_admin = admin.site._registry[Tenue]
    assert not modele_admin.has_change_permission(None) and not modele_admin.has_add_permission(None)

    # Reopened with a reason: the partner corrects it, and it goes back to the chef de projet.
    chef = connecter("chef.projet")
    lue = {f"v{tenue.pk}": tenue.version}
    chef.post(PAGE.format(2016) + f"{tenue.pk}/rouvrir/", {f"m{tenue.pk}-motif": "", **lue})
    assert Tenue.objects.get(pk=tenue.pk).etat == "valide"  # no reason, not reopened
    chef.post(PAGE.format(2016) + f"{tenue.pk}/rouvrir/", {f"m{tenue.pk}-motif": "Précisez les six communes.", **lue})
    tenue.refresh_from_db()
    assert (tenue.etat, tenue.motif) == ("renvoye", "Précisez les six communes.")
    courriel = Courriel.objects.get(nature="tenue_rouvrir")
    assert courriel.destinataires == [comptes["agent.caf"].email]
    assert (
        "Précisez les six communes." in courriel.corps
        and f"/engagements-non-financiers/2016/#t{tenue.pk}" in courriel.corps
    )
    agent = connecter("agent.caf")
    reponse, donnees = formulaire(agent)
    assert "Précisez les six communes." in reponse.content.decode()
    donnees[f"{cle}-statut"] = "tenu"
    agent.post(PAGE.format(2016), donnees)
    tenue.refresh_from_db()
    assert (tenue.statut, tenue.etat) == ("tenu", "a_valider")
    entrees = Historique.objects.filter(objet="tenue", objet_id=tenue.pk).order_by("pk")
    assert [e.commentaire for e in entrees if e.commentaire] == ["Précisez les six communes."]
    assert entrees.count() == 4  # created, validated, reopened, corrected


def test_a_bad_row_saves_nothing_and_says_why_in_french(connecter, donnees_caf):
    agent = connecter("agent.caf")
    reponse, donnees = formulaire(agent)
    premiere, autre = reponse.context["formulaires"][:2]
    donnees[f"{premiere.ligne.cle}-indicateur"] = "Nombre de réunions"
    donnees[f"{autre.ligne.cle}-commentaire"] = "Un commentaire sans dire si l'engagement est tenu"
    reponse = agent.post(PAGE.format(2016), donnees)
    assert reponse.status_code == 400
    texte = reponse.content.decode()
    assert "à corriger : rien n'a été enregistré" in texte
    assert "Dites si l&#x27;engagement a été tenu" in texte
    assert 'aria-invalid="true"' in texte
    assert not Tenue.objects.exists()
    assert not EngagementReciproque.objects.filter(indicateur="Nombre de réunions").exists()


def test_two_people_on_one_commitment_the_second_is_told_and_nothing_of_his_is_saved(connecter, donnees_caf, comptes):
    agent = connecter("agent.caf")
    _, donnees = formulaire(agent)
    cle = f"r{donnees_caf.pk}"
    # A colleague saves the same commitment first.
    tenue = Tenue(
        contrat=donnees_caf.article.document.contrat,
        partenaire=donnees_caf.partenaire,
        engagement_reciproque=donnees_caf,
        annee=2016,
        statut="tenu",
    )
    versions.creer(comptes["agent.caf"], tenue)
    donnees.update({f"{cle}-statut": "non_tenu", f"{cle}-cible": "12 réunions"})
    reponse = agent.post(PAGE.format(2016), donnees)
    assert reponse.status_code == 409
    assert "Rien n'a été enregistré" in reponse.content.decode()
    texte = reponse.content.decode()
    assert "Agent de la CAF de la Côte-d&#x27;Or a modifié" in texte and "Votre saisie est conservée" in texte
    tenue.refresh_from_db()
    donnees_caf.refresh_from_db()
    assert tenue.statut == "tenu" and donnees_caf.cible == ""  # all or nothing: the measure is not saved either
    # Sent again as the page now holds it (the version stored), knowingly: it goes through.
    renvoi = {}
    for form in reponse.context["formulaires"]:
        renvoi.update({k: v for k, v in form.data.items() if k.startswith(form.prefix + "-")})
    assert renvoi[f"{cle}-version"] == tenue.version
    assert agent.post(PAGE.format(2016), renvoi).status_code == 302
    tenue.refresh_from_db()
    assert tenue.statut == "non_tenu" and EngagementReciproque.objects.get(pk=donnees_caf.pk).cible == "12 réunions"


def test_a_year_not_over_has_no_follow_up_on_any_route(connecter, conventions, donnees_caf, comptes):
    assert connecter("chef.projet").get("/contrats/ctg-dijon/engagements-non-financiers/2026/").status_code == 404
    assert connecter("chef.projet").get(PAGE.format(2023)).status_code == 404  # after the contract
    tenue = Tenue(contrat=conventions, engagement_reciproque=donnees_caf, annee=2026, statut="tenu")
    with pytest.raises(versions.Verrouille, match="n'est pas achevée"):
        versions.creer(comptes["agent.caf"], tenue)


def test_who_sees_and_who_changes(connecter, client, donnees_caf):
    assert client.get(PAGE.format(2016)).status_code == 302  # to the login page
    pole_emploi = connecter("agent.pole-emploi")
    reponse = pole_emploi.get(PAGE.format(2016))
    assert all(f.ligne.partenaire.slug == "pole-emploi" for f in reponse.context["formulaires"])
    assert f"r{donnees_caf.pk}" not in reponse.content.decode()
    # The chef de projet sees every partner's, and enters the parties' common commitments only.
    chef = connecter("chef.projet")
    reponse = chef.get(PAGE.format(2016))
    partenaires = [p.slug if p else None for p, _ in reponse.context["groupes"]]
    assert "caf-21" in partenaires and partenaires[-1] is None
    assert all(f.ligne.partenaire is None for f in reponse.context["formulaires"])
    # Only the chef de projet validates.
    tenue = Tenue.objects.create(
        contrat=donnees_caf.article.document.contrat,
        partenaire=donnees_caf.partenaire,
        engagement_reciproque=donnees_caf,
        annee=2016,
        statut="tenu",
    )
    assert connecter("agent.caf").post(PAGE.format(2016) + f"{tenue.pk}/valider/").status_code == 403
    assert connecter("agent.caf").post(PAGE.format(2016) + "valider/").status_code == 403
    assert Tenue.objects.get(pk=tenue.pk).etat == "a_valider"


def test_a_fiche_s_engagement_carries_its_measure_from_the_fiche_form_too(connecter, conventions):
    engagement = (
        Engagement.objects.filter(fiche__contrat=conventions, partenaire__isnull=False).select_related("fiche").first()
    )
    chef = connecter("chef.projet")
    url = f"/engagements/{engagement.pk}/modifier/"
    reponse = chef.get(url)
    assert reponse.status_code == 200
    donnees = {
        "texte": engagement.texte,
        "montant": "",
        "version": engagement.version,
        "indicateur": "Nombre de jeunes accompagnés",
        "cible": "40 par an",
    }
    assert chef.post(url, donnees).status_code == 302
    engagement.refresh_from_db()
    assert (engagement.indicateur, engagement.cible) == ("Nombre de jeunes accompagnés", "40 par an")
    assert "Nombre de jeunes accompagnés" in chef.get(engagement.fiche.get_absolute_url()).content.decode()


def test_valider_tout_moves_every_row_awaiting_or_none(connecter, conventions, donnees_caf, comptes):
    autres = list(
        EngagementReciproque.objects.filter(article__document__slug="convention-caf-2016-2017").exclude(
            pk=donnees_caf.pk
        )[:2]
    )
    tenues = [
        Tenue.objects.create(contrat=conventions, partenaire=e.partenaire, engagement_reciproque=e, annee=2016)
        for e in [donnees_caf, *autres]
    ]
    Tenue.objects.filter(pk=tenues[2].pk).update(etat="valide")
    with pytest.raises(services.TransitionImpossible):
        services.changer_etat(comptes["chef.projet"], tenues, "valider")
    assert Tenue.objects.filter(etat="valide").count() == 1
    chef = connecter("chef.projet")
    tout = PAGE.format(2016) + "valider/"
    montre = formulaire_html(chef.get(PAGE.format(2016)), tout)
    vus = [int(v.split(":")[0]) for v in montre["vu"]]  # those awaiting validation, each at the version shown
    assert vus and set(vus) <= {t.pk for t in tenues[:2]}
    # One corrected by its partner since the page was shown: nothing is validated, the page says so.
    premiere = Tenue.objects.get(pk=vus[0])
    premiere.commentaire = "Corrigé"
    versions.modifier(comptes["agent.caf"], premiere, premiere.version)
    perimee = chef.post(tout, montre)
    assert perimee.status_code == 409 and Tenue.objects.filter(etat="valide").count() == 1
    # From the page as it is: those it shows are validated, and only those.
    assert chef.post(tout, formulaire_html(chef.get(PAGE.format(2016)), tout)).status_code == 302
    assert set(Tenue.objects.filter(etat="valide").values_list("pk", flat=True)) == {tenues[2].pk, *vus}


def test_the_home_page_tells_the_agent_what_to_say_and_the_chef_what_to_validate(
    connecter, conventions, donnees_caf, comptes
):
    agent = connecter("agent.caf")
    reponse, _ = formulaire(agent)
    a_dire = len(reponse.context["formulaires"])
    # The CAF's commitments running in 2016, none said yet; one said, one fewer.
    assert lignes.a_renseigner(comptes["agent.caf"], 2016) == [(conventions, 2016, a_dire, 0)]
    tenue = Tenue(
        contrat=conventions,
        partenaire=donnees_caf.partenaire,
        engagement_reciproque=donnees_caf,
        annee=2016,
        statut="tenu",
    )
    versions.creer(comptes["agent.caf"], tenue)
    assert lignes.a_renseigner(comptes["agent.caf"], 2016) == [(conventions, 2016, a_dire - 1, 0)]
    accueil = connecter("chef.projet").get("/").content.decode()
    assert "Engagements non financiers à valider" in accueil and "2016 : 1 suivi à valider" in accueil
    services.changer_etat(comptes["chef.projet"], [tenue], "renvoyer", "Chiffrez la valeur atteinte.")
    accueil = connecter("agent.caf").get("/").content.decode()
    assert re.search(
        r"Contrat de ville de la métropole dijonnaise — 2016</a> :\s*<strong>1 renvoyé pour correction</strong>",
        accueil,
    )
    # Another partner's agent counts its own commitments, those its page lists, none of the CAF's.
    reponse, _ = formulaire(connecter("agent.pole-emploi"))
    siens = len(reponse.context["formulaires"])
    assert lignes.a_renseigner(comptes["agent.pole-emploi"], 2016) == ([(conventions, 2016, siens, 0)] if siens else [])


def test_the_chef_filters_by_partner_and_state_and_comes_back_to_the_same_filters(connecter, conventions, donnees_caf):
    autre = (
        EngagementReciproque.objects.filter(article__document__contrat=conventions, partenaire__slug="caf-21")
        .exclude(pk=donnees_caf.pk)
        .first()
    )
    tenue = Tenue.objects.create(
        contrat=conventions,
        partenaire=donnees_caf.partenaire,
        engagement_reciproque=donnees_caf,
        annee=2016,
        statut="tenu",
    )
    Tenue.objects.create(
        contrat=conventions,
        partenaire=autre.partenaire,
        engagement_reciproque=autre,
        annee=2016,
        statut="tenu",
        etat="valide",
    )
    chef = connecter("chef.projet")
    filtres = "?partenaire=caf-21&etat=a_valider"
    reponse = chef.get(PAGE.format(2016) + filtres)
    assert [(p.slug, [ligne.cle for ligne in groupe]) for p, groupe in reponse.context["groupes"]] == [
        ("caf-21", [f"r{donnees_caf.pk}"])
    ]
    communs = chef.get(PAGE.format(2016) + "?partenaire=communs").context["groupes"]
    assert [p for p, _ in communs] == [None]
    a_renseigner = chef.get(PAGE.format(2016) + "?partenaire=caf-21&etat=a_renseigner").context["groupes"][0][1]
    assert f"r{donnees_caf.pk}" not in [ligne.cle for ligne in a_renseigner] and a_renseigner
    reponse = chef.post(
        PAGE.format(2016) + f"{tenue.pk}/valider/",
        {"retour": PAGE.format(2016) + filtres, f"v{tenue.pk}": tenue.version},
    )
    assert reponse["Location"] == PAGE.format(2016) + filtres + f"#t{tenue.pk}"
    # Elsewhere is never a way back.
    reponse = chef.post(
        PAGE.format(2016) + f"{tenue.pk}/rouvrir/",
        {"retour": "https://exemple.org/", f"m{tenue.pk}-motif": "x", f"v{tenue.pk}": tenue.version + 1},
    )
    assert reponse["Location"] == PAGE.format(2016) + f"#t{tenue.pk}"
    assert (
        "Aucun engagement ne répond à ces filtres."
        in chef.get(PAGE.format(2016) + "?etat=valide&partenaire=communs").content.decode()
    )
