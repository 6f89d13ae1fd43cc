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
