"""One answer per outcome of a versioned form's save (noyau/enregistrement.py), tried on one page of
each app: saved by someone else meanwhile → 409 with both sides, then saved knowingly; locked by a
rule → 403 saying why; a repeat of another row → the error under its field; deleted meanwhile → 404
saying so. Nothing is written by a refused save."""

import html
from datetime import date

import pytest
from django.urls import reverse

from contrat.models import Objectif, Partenaire
from engagements import services
from engagements.models import Estimation
from fiches.models import Engagement
from gouvernance.models import Avis, Instance
from noyau import historique, versions
from noyau.enregistrement import SUPPRIME
from noyau.models import Historique

from .formulaires_html import formulaire


def _objectif(conventions, comptes):
    objet = Objectif.objects.filter(
        orientation__pilier__contrat=conventions,
        dispositifs__estimations__annee=2015,
        dispositifs__partenaire__slug="caf-21",
    ).first()
    url = reverse("contrat:noeud_modifier", args=[conventions.slug, "objectif", objet.pk])
    return "chef.projet", url, objet, {"intitule": "Intitulé du test"}


def _estimation(conventions, comptes):
    objet = Estimation.objects.filter(dispositif__contrat=conventions, partenaire__slug="caf-21", annee=2015).first()
    return "agent.caf", reverse("engagements:estimation_modifier", args=[objet.pk]), objet, {"montant_annuel": "1 234"}


def _engagement(conventions, comptes):
    objet = Engagement.objects.get(fiche__slug="fiche-action-7", partenaire__slug="caf-21")
    return "agent.caf", reverse("fiches:engagement_modifier", args=[objet.pk]), objet, {"texte": "Texte du test"}


def _instance(conventions, comptes):
    objet = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    url = reverse("gouvernance:instance_modifier", args=[objet.pk])
    return "chef.projet", url, objet, {"nom": "Comité de pilotage du test"}


def _avis(conventions, comptes):
    avis = Avis(contrat=conventions, annee=2019, conseil="Conseil du Mail", envoye_le=date(2020, 1, 6))
    objet = versions.creer(comptes["chef.projet"], avis)
    url = reverse("rapport:avis_modifier", args=[conventions.slug, 2019, objet.pk])
    return "chef.projet", url, objet, {"texte": "Avis du test"}


# One page of each app that edits a versioned row: (who, its address, the row, what the user types).
PAGES = {
    "contrat": _objectif,
    "engagements": _estimation,
    "fiches": _engagement,
    "gouvernance": _instance,
    "rapport": _avis,
}


def _ouvrir(app, conventions, comptes, connecter):
    """The page opened by its user, and the form it shows with the user's typing."""
    role, url, objet, saisie = PAGES[app](conventions, comptes)
    client = connecter(role)
    donnees = formulaire(client.get(url))
    donnees.update({nom: [valeur] for nom, valeur in saisie.items()})
    return client, url, objet, donnees, next(iter(saisie))


def _ecrits():
    return Historique.objects.count()


@pytest.mark.parametrize("app", PAGES)
def test_saved_meanwhile_answers_409_with_both_sides_then_saves_knowingly(app, conventions, comptes, connecter):
    client, url, objet, donnees, champ = _ouvrir(app, conventions, comptes, connecter)
    collegue = type(objet).objects.get(pk=objet.pk)
    # The field the user types in, saved first by another.
    setattr(collegue, champ, 999 if champ == "montant_annuel" else "Saisi par un collègue")
    versions.modifier(comptes["admin"], collegue, collegue.version)
    avant = _ecrits()

    reponse = client.post(url, donnees)
    assert reponse.status_code == 409
    assert reponse.context["conflit"]["par"] == historique.derniere(objet).user_nom == "admin"  # who saved first
    reprise = formulaire(reponse)
    assert reprise[champ] == donnees[champ]  # the typing is kept
    assert _ecrits() == avant
    # The page now carries the stored version: sending it again, knowingly, saves.
    assert reprise["version"] != donnees["version"]
    assert client.post(url, reprise).status_code == 302
    assert _ecrits() == avant + 1


@pytest.mark.parametrize("app", PAGES)
def test_deleted_meanwhile_answers_404_saying_so(app, conventions, comptes, connecter, monkeypatch):
    client, url, objet, donnees, champ = _ouvrir(app, conventions, comptes, connecter)
    modifier = versions.modifier

    def supprime_juste_avant(user, cible, *args, **kwargs):  # deleted between the page's read and its write
        type(cible).objects.filter(pk=cible.pk).delete()
        return modifier(user, cible, *args, **kwargs)

    monkeypatch.setattr(versions, "modifier", supprime_juste_avant)
    reponse = client.post(url, donnees)
    assert reponse.status_code == 404
    assert SUPPRIME in html.unescape(reponse.content.decode())


# The pages whose row a rule can close: the tree and the lines served by a validated contribution.
@pytest.mark.parametrize("app", ["contrat", "engagements"])
def test_locked_by_a_rule_answers_403_saying_why(app, conventions, comptes, connecter):
    client, url, objet, donnees, champ = _ouvrir(app, conventions, comptes, connecter)
    caf = Partenaire.objects.get(slug="caf-21")
    services.changer_statut(comptes["agent.caf"], conventions, caf, 2015, "soumettre")
    services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "valider")
    avant = _ecrits()
    reponse = client.post(url, donnees)
    assert reponse.status_code == 403
    assert "validée" in html.unescape(reponse.content.decode())
    assert _ecrits() == avant


def test_a_repeat_of_another_row_is_the_error_under_its_field(conventions, comptes, connecter):
    client, url, objet, donnees, champ = _ouvrir("engagements", conventions, comptes, connecter)
    versions.creer(
        comptes["agent.caf"], Estimation(dispositif=objet.dispositif, partenaire=objet.partenaire, annee=2016)
    )
    donnees["annee"] = ["2016"]
    avant = _ecrits()
    reponse = client.post(url, donnees)
    assert reponse.status_code == 400
    assert reponse.context["form"].errors["annee"]
    assert _ecrits() == avant


# -- buttons on a stale page: 409, nothing changed -------------------------------------------------


def _membre_a_revoquer(conventions, comptes):
    from contrat.models import Membre

    membre = Membre.objects.get(contrat=conventions, user=comptes["agent.caf"])
    return membre, f"/contrats/{conventions.slug}/membres/{membre.pk}/revoquer/"


def test_stale_revoke_cancel_remove_and_decision_status_answer_409_and_change_nothing(conventions, comptes, connecter):
    """Each button posts the version its page showed; something happened since (a colleague revoked, the
    person accepted, the code was given, the status changed): 409 saying so, and nothing is written."""
    from contrat import invitations
    from contrat.models import Invitation, Membre, PerimetreQuartier
    from gouvernance.models import Decision

    chef = connecter("chef.projet")
    # « Révoquer » pressed twice (a colleague revoked first): the second is refused.
    membre, url = _membre_a_revoquer(conventions, comptes)
    lue = membre.version
    assert chef.post(url, {"version": lue}).status_code == 302
    apres = Membre.objects.get(pk=membre.pk)
    avant = Historique.objects.count()
    reponse = chef.post(url, {"version": lue})
    assert reponse.status_code == 409 and "rien n'a été fait" in html.unescape(reponse.content.decode())
    assert Membre.objects.get(pk=membre.pk).version == apres.version and Historique.objects.count() == avant

    # « Annuler l'invitation » on a page shown before the person accepted: she keeps her role.
    invitation = invitations.inviter(
        comptes["chef.projet"], conventions, "nouvelle@example.org", "agent", Partenaire.objects.get(slug="caf-21")
    )
    lue = invitation.version
    invitations.accepter(invitation, "Nouvelle", "un mot de passe assez long 2026")
    avant = Historique.objects.count()
    reponse = chef.post(f"/contrats/{conventions.slug}/invitations/{invitation.pk}/revoquer/", {"version": lue})
    assert reponse.status_code == 409
    assert not Invitation.objects.get(pk=invitation.pk).revoquee and Historique.objects.count() == avant
    assert Membre.objects.get(user__email="nouvelle@example.org", contrat=conventions).actif

    # « Retirer » a quartier whose code was given since the page was shown.
    lien = PerimetreQuartier.objects.filter(contrat=conventions).first()
    lue = lien.version
    lien.code = "QN021999"
    versions.modifier(comptes["chef.projet"], lien, lue)
    avant = Historique.objects.count()
    reponse = chef.post(f"/contrats/{conventions.slug}/perimetre/quartiers/{lien.pk}/retirer/", {"version": lue})
    assert reponse.status_code == 409
    assert PerimetreQuartier.objects.filter(pk=lien.pk).exists() and Historique.objects.count() == avant

    # A decision's status changed by someone else since the séance page was shown.
    from gouvernance.models import Seance

    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    decision = Decision.objects.create(seance=Seance.objects.create(instance=copil, date="2021-10-12"), texte="Suivi")
    lue = decision.version
    decision.statut = "en_cours"
    versions.modifier(comptes["chef.projet"], decision, lue)
    avant = Historique.objects.count()
    reponse = chef.post(reverse("gouvernance:decision_statut", args=[decision.pk]), {"statut": "faite", "version": lue})
    assert reponse.status_code == 409
    assert Decision.objects.get(pk=decision.pk).statut == "en_cours" and Historique.objects.count() == avant


@pytest.mark.django_db(transaction=True)
def test_four_concurrent_revokes_make_one_change_and_no_error(conventions, comptes):
    """Four tabs (or people) press « Révoquer » at once on the same page: one revokes, the three others are told
    the page is stale (409); none is a server error, and the history holds one change."""
    import threading

    from django.db import connection as connexion_principale
    from django.db import connections
    from django.test import Client

    from contrat.models import Membre

    if connexion_principale.vendor != "postgresql":
        pytest.skip("quatre écritures simultanées : PostgreSQL (SQLite sérialise toute écriture)")
    membre, url = _membre_a_revoquer(conventions, comptes)
    lue = membre.version
    depart = threading.Barrier(4)
    statuts = []

    def revoquer():
        client = Client()
        client.force_login(comptes["chef.projet"])
        depart.wait()
        try:
            statuts.append(client.post(url, {"version": lue}).status_code)
        finally:
            connections.close_all()

    fils = [threading.Thread(target=revoquer) for _ in range(4)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(60)
    assert sorted(statuts) == [302, 409, 409, 409]
    assert not Membre.objects.get(pk=membre.pk).actif
    assert Historique.objects.filter(objet="membre", objet_id=membre.pk, action="modification").count() == 1


# -- one outcome, one answer: creations, grids, the JSON responder ---------------------------------


def _refus(nature):
    """The write service's refusal of each kind, as raised by noyau.versions."""
    if nature == "verrouille":
        return versions.Verrouille("Fermé par une règle du test.")
    if nature == "doublon":
        return versions.Doublon("Cet élément existe déjà (test).")
    return versions.Conflit(None)  # deleted meanwhile


ATTENDU = {"verrouille": (403, "Fermé par une règle du test."), "doublon": (400, "Cet élément existe déjà (test).")}
ATTENDU["supprime"] = (404, SUPPRIME)


def _creations(conventions, comptes, connecter):
    """One creation per app: (account, url, data) posted as its page would."""
    from contrat.models import Document

    document = Document.objects.filter(contrat=conventions).first()
    caf = Partenaire.objects.get(slug="caf-21")
    instance = reverse("gouvernance:instance_creer", args=[conventions.slug])
    nouvelle = {"nom": ["Comité des financeurs"], "nature": ["autre"]}
    return {
        "contrat": (
            "chef.projet",
            reverse("contrat:signataire_ajouter", args=[conventions.slug]),
            {"document": document.pk, "partenaire": caf.pk, "representant": "La directrice", "qualite": "CAF"},
        ),
        "engagements": (
            "chef.projet",
            reverse("engagements:collecte_ouvrir", args=[conventions.slug]),
            {"annee": 2016, "nature": "previsionnel", "echeance": "2016-03-01", "partenaires": [caf.pk]},
        ),
        "rapport": (
            "chef.projet",
            reverse("rapport:page", args=[conventions.slug, 2016]),
            {"conseil": "Conseil citoyen des Grésilles", "envoye_le": "2017-05-02"},
        ),
        "membres": (
            "chef.projet",
            reverse("contrat:membres", args=[conventions.slug]),
            {"email": "nouvelle@example.org", "role": "agent", "partenaire": caf.pk},
        ),
        "gouvernance": ("chef.projet", instance, {**formulaire(connecter("chef.projet").get(instance)), **nouvelle}),
    }


@pytest.mark.parametrize("nature", ["verrouille", "doublon", "supprime"])
@pytest.mark.parametrize("app", ["contrat", "membres", "engagements", "rapport", "gouvernance"])
def test_every_creation_answers_each_outcome_the_same_way(app, nature, conventions, comptes, connecter, monkeypatch):
    compte, url, donnees = _creations(conventions, comptes, connecter)[app]
    client = connecter(compte)
    assert client.get(url).status_code in (200, 405), url  # a page, or a form of another page (POST only)

    def refuser(*args, **kwargs):
        raise _refus(nature)

    monkeypatch.setattr(versions, "creer", refuser)
    avant = Historique.objects.count()
    reponse = client.post(url, donnees)
    statut, mots = ATTENDU[nature]
    assert reponse.status_code == statut, (app, nature, reponse.status_code)
    assert mots in html.unescape(reponse.content.decode()), (app, nature)
    assert Historique.objects.count() == avant


def _grille_de_la_caf(connecter):
    """The CAF's 2016 grid as its page gives it, one row typed: (client, url, data)."""
    agent = connecter("agent.caf")
    url = "/contrats/grand-dijon/contributions/caf-21/2016/"
    donnees = formulaire(agent.get(url))
    donnees.update({"lignes-0-dispositif": ["nouveau"], "lignes-0-intitule": ["Ludobus"]})
    donnees["lignes-0-montant_annuel"] = ["1 234"]
    return agent, url, donnees


@pytest.mark.parametrize("nature", ["verrouille", "doublon", "supprime"])
def test_the_contribution_grid_answers_each_outcome_as_the_forms_do(
    nature, conventions, comptes, connecter, monkeypatch
):
    from engagements import saisie

    client, url, donnees = _grille_de_la_caf(connecter)

    def refuser(*args, **kwargs):
        raise _refus(nature)

    monkeypatch.setattr(saisie.Saisie, "enregistrer", refuser)
    avant = Historique.objects.count()
    reponse = client.post(url, donnees)
    statut, mots = ATTENDU[nature]
    assert reponse.status_code == statut, (nature, reponse.status_code)
    assert mots in html.unescape(reponse.content.decode())
    assert Historique.objects.count() == avant
    if nature == "doublon":  # what was typed is still there
        assert 'value="1 234"' in reponse.content.decode()


def test_no_view_catches_the_write_service_s_refusals_itself():
    """Every page answers through noyau.enregistrement (over noyau.issues): no view module has its own except."""
    import re
    from pathlib import Path

    racine = Path(__file__).resolve().parent.parent
    coupables = []
    for chemin in racine.rglob("*.py"):
        parties = chemin.relative_to(racine).parts
        if parties[0] in (".venv", "tests") or not ("views" in parties[:-1] or chemin.name == "views.py"):
            continue
        if re.search(r"except \(?versions\.", chemin.read_text()):
            coupables.append(str(chemin.relative_to(racine)))
    assert coupables == []


def test_the_json_responder_says_each_outcome_with_the_page_s_words_and_status(conventions, comptes):
    """The API to come answers with the same outcome: status code and words, and what the client needs."""
    import json

    from noyau import issues, jetons

    objectif = Objectif.objects.filter(orientation__pilier__contrat=conventions).first()
    lue = objectif.version
    enregistre = issues.tenter(lambda: versions.modifier(comptes["chef.projet"], _renomme(objectif, "Premier"), lue))
    perime = issues.tenter(lambda: versions.modifier(comptes["admin"], _renomme(objectif, "Second"), lue))

    def deja():
        raise jetons.DejaEnvoye("/contrats/grand-dijon/")

    cas = {
        "enregistre": enregistre,
        "conflit": perime,
        "verrouille": issues.tenter(lambda: (_ for _ in ()).throw(_refus("verrouille"))),
        "doublon": issues.tenter(lambda: (_ for _ in ()).throw(_refus("doublon")), champ="annee"),
        "supprime": issues.tenter(lambda: (_ for _ in ()).throw(_refus("supprime"))),
        "deja_envoye": issues.tenter(deja),
    }
    corps = {}
    for nature, issue in cas.items():
        assert issue.nature == nature
        reponse = issues.en_json(issue)
        corps[nature] = json.loads(reponse.content)
        assert reponse.status_code == issues.STATUTS[nature] and corps[nature]["issue"] == nature
    assert corps["enregistre"]["objet"] == {"id": objectif.pk} and corps["enregistre"]["version"] == lue + 1
    assert corps["conflit"]["actuel"]["version"] == lue + 1
    assert corps["conflit"]["actuel"]["par"] and any(
        c["apres"] == "Premier" for c in corps["conflit"]["actuel"]["changements"]
    )
    assert corps["verrouille"]["message"] == ATTENDU["verrouille"][1]
    assert (corps["doublon"]["champ"], corps["doublon"]["message"]) == ("annee", ATTENDU["doublon"][1])
    assert corps["supprime"]["message"] == SUPPRIME
    assert corps["deja_envoye"]["adresse"] == "/contrats/grand-dijon/"


def _renomme(objet, intitule):
    objet.intitule = intitule
    return objet


def test_a_state_transition_compares_the_version_its_page_showed(conventions, comptes, connecter):
    """« Valider » pressed on a page shown before the agent's resubmission (or a colleague's send-back): 409,
    nothing moves, the history holds no entry; from the page as it is now, it goes through."""
    from engagements.models import Contribution

    caf = Partenaire.objects.get(slug="caf-21")
    url = reverse("engagements:contribution", args=[conventions.slug, "caf-21", 2015])
    services.changer_statut(comptes["agent.caf"], conventions, caf, 2015, "soumettre")
    chef = connecter("chef.projet")
    page = formulaire(chef.get(url), url + "valider/")
    lue = int(page["version"][0])
    # Meanwhile a colleague sends it back and the agent submits it again.
    services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "renvoyer", "Le FSL manque.")
    services.changer_statut(comptes["agent.caf"], conventions, caf, 2015, "soumettre")
    avant = Historique.objects.count()
    reponse = chef.post(url + "valider/", {"version": lue})
    assert reponse.status_code == 409 and "rien n'a été fait" in html.unescape(reponse.content.decode())
    objet = Contribution.objects.get(contrat=conventions, partenaire=caf, annee=2015, nature="previsionnel")
    assert objet.statut == "soumis" and Historique.objects.count() == avant
    page = formulaire(chef.get(url), url + "valider/")
    assert chef.post(url + "valider/", page).status_code == 302
    objet.refresh_from_db()
    assert objet.statut == "valide"


@pytest.mark.parametrize("nature", ["verrouille", "doublon", "supprime"])
def test_the_follow_up_grid_answers_each_outcome_as_the_forms_do(nature, conventions, comptes, connecter, monkeypatch):
    """The grid of the engagements non financiers (tenues): locked → 403, a repeat → 400 under its row,
    deleted meanwhile → 404; what was typed is kept on a 400."""
    from tenues import services as suivi

    from .test_tenues import PAGE, formulaire

    agent = connecter("agent.caf")
    reponse, donnees = formulaire(agent)
    form = reponse.context["formulaires"][0]
    cle = form.prefix
    donnees.update({f"{cle}-statut": "tenu", f"{cle}-commentaire": "Fait en 2016 (test)."})

    def refuser(user, contrat, annee, formulaires):
        refus = _refus(nature)
        refus.form, refus.champ = formulaires[0], "version"
        raise refus

    monkeypatch.setattr(suivi, "enregistrer", refuser)
    avant = Historique.objects.count()
    reponse = agent.post(PAGE.format(2016), donnees)
    statut, mots = ATTENDU[nature]
    assert reponse.status_code == statut, (nature, reponse.status_code)
    assert mots in html.unescape(reponse.content.decode())
    assert Historique.objects.count() == avant
    if nature == "doublon":
        assert "Fait en 2016 (test)." in reponse.content.decode()


@pytest.mark.parametrize("nature", ["verrouille", "doublon"])
def test_the_columns_grid_answers_each_outcome_as_the_forms_do(nature, conventions, comptes, connecter, monkeypatch):
    """The governance columns (a grid of one contract's rows): locked → 403, a repeat → 400 above the grid; a
    column changed or removed meanwhile → 409 (tests/test_gouvernance_territoires.py)."""
    from gouvernance import views as gouvernance

    chef = connecter("chef.projet")
    url = reverse("gouvernance:colonnes", args=[conventions.slug])
    donnees = formulaire(chef.get(url))

    def refuser(*args, **kwargs):
        raise _refus(nature)

    monkeypatch.setattr(gouvernance, "_enregistrer_colonnes", refuser)
    reponse = chef.post(url, donnees)
    statut, mots = ATTENDU[nature]
    assert reponse.status_code == statut and mots in html.unescape(reponse.content.decode())
