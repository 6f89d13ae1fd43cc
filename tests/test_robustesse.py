"""Hostile or clumsy input: no 500, nothing half-written, a French answer (issue 14)."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from contrat.models import Partenaire
from engagements.models import Contribution, Dispositif, Estimation
from fiches.models import Fiche, Indicateur, Mesure
from gouvernance.models import Instance, Seance
from noyau import versions


def texte(reponse):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", reponse.content.decode())))


# -- error pages -------------------------------------------------------------------------


def test_error_pages_are_french_dsfr_pages_with_their_status(conventions, comptes, monkeypatch):
    """The tests run with DEBUG off, as production does."""
    client = Client(raise_request_exception=False)
    client.force_login(comptes["agent.caf"])
    absente = client.get("/contrats/pas-de-tel-contrat/")
    assert (
        absente.status_code == 404 and "Page introuvable" in texte(absente) and "fr-header" in absente.content.decode()
    )
    interdite = client.get(reverse("importation:annexe_importer", args=["grand-dijon"]))
    assert interdite.status_code == 403
    assert "Seul le chef de projet du contrat importe une annexe financière." in texte(interdite)  # the view's reason

    def panne(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr("engagements.views.annexe.Annexe", panne)
    erreur = client.get(reverse("engagements:annexe", args=["grand-dijon"]))
    assert erreur.status_code == 500 and "Erreur du serveur" in texte(erreur) and "dsfr" in erreur.content.decode()

    nul = client.get("/dispositifs/", {"contrat": "a\x00"})
    assert nul.status_code == 400 and "Demande incorrecte" in texte(nul) and "caractère nul" in texte(nul)

    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(comptes["agent.caf"])
    expire = csrf.post(reverse("engagements:dispositif_creer", args=["grand-dijon"]), {"intitule": "x"})
    assert expire.status_code == 403 and "Formulaire expiré" in texte(expire)


# -- bad parameters ------------------------------------------------------------------------


@pytest.mark.parametrize("suffixe", ["/", ".pdf", ".xlsx"])
def test_a_far_date_reprints_the_annexe_as_it_is(conventions, connecter, suffixe):
    client = connecter("lecteur")
    url = "/contrats/grand-dijon/annexe-financiere" + suffixe
    for au in ("9999-12-31", "0001-01-01"):
        assert client.get(url, {"au": au, "annee": 2015}).status_code == 200


@pytest.mark.parametrize("url", ["/dispositifs/", "/estimations/", "/contrats/grand-dijon/fiches/", "/contrats/"])
def test_page_size_and_number_from_the_query_string_are_bounded(conventions, connecter, url):
    client = connecter("chef.projet")
    for parametres in (
        {"per_page": "-1"},
        {"per_page": "0"},
        {"per_page": "10" * 12},
        {"per_page": "abc"},
        {"page": "-3"},
        {"page": "99999999999999999999"},
        {"page": "x", "per_page": "1e9"},
    ):
        assert client.get(url, parametres).status_code == 200, parametres


def test_measured_values_refuse_what_is_not_a_figure_in_french(conventions, connecter):
    indicateur = Indicateur.objects.filter(fiche__contrat__slug="ctg-dijon", fiche__slug="axe-2-fiche-2").first()
    client = connecter("agent.caf")
    url = reverse("fiches:mesures", args=[indicateur.pk])
    prefixe = f"i{indicateur.pk}"
    for valeur, message in [
        ("1e999999999", "Saisissez un nombre"),
        ("NaN", "Saisissez un nombre"),
        ("Infinity", "Saisissez un nombre"),
        ("1" * 40, "Ce nombre est trop grand"),
    ]:
        donnees = {
            f"{prefixe}-TOTAL_FORMS": 1,
            f"{prefixe}-INITIAL_FORMS": 1,
            f"{prefixe}-0-annee": 2024,
            f"{prefixe}-0-valeur": valeur,
            f"{prefixe}-0-commentaire": "",
            f"{prefixe}-0-version": 0,
        }
        reponse = client.post(url, donnees)
        assert reponse.status_code == 400 and message in texte(reponse), valeur
    assert not Mesure.objects.filter(indicateur=indicateur).exists()


def test_a_contribution_is_a_year_of_its_contract(conventions, connecter):
    agent = connecter("agent.caf")
    for annee in (0, 1, 1999, 2023, 32768, 99999, 10**19):
        url = f"/contrats/grand-dijon/contributions/caf-21/{annee}/"
        assert agent.get(url).status_code == 404, annee
        assert agent.post(url + "soumettre/").status_code == 404, annee
    assert not Contribution.objects.exists()


def test_dates_of_meetings_and_decisions_are_bounded_and_the_feed_stays_up(conventions, connecter):
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    chef = connecter("chef.projet")
    donnees = {
        "instance": copil.pk,
        "date": "0001-01-01",
        "heure": "00:05",
        "lieu": "",
        "ordre_du_jour": "",
        "compte_rendu": "",
        "presences-TOTAL_FORMS": 0,
        "presences-INITIAL_FORMS": 0,
        "decisions-TOTAL_FORMS": 1,
        "decisions-INITIAL_FORMS": 0,
        "decisions-0-texte": "Décider",
        "decisions-0-echeance": "9999-12-31",
        "decisions-0-statut": "a_faire",
    }
    reponse = chef.post(reverse("gouvernance:seance_creer", args=["grand-dijon"]), donnees)
    assert reponse.status_code == 400
    page = reponse.content.decode()
    for champ in ("id_date", "id_decisions-0-echeance"):  # each field says it, tied to it
        assert re.search(rf'id="{champ}-erreurs"[^>]*>.*?Saisissez une année entre 1900 et 2100', page, re.S), champ
    assert not Seance.objects.exists()
    assert chef.get(reverse("gouvernance:seances_ics", args=["grand-dijon"])).status_code == 200


def test_years_of_a_fiche_and_rhythms_of_an_instance_are_bounded(conventions, connecter):
    deux = Fiche.objects.get(contrat=conventions, slug="fiche-action-2")
    chef = connecter("chef.projet")
    reponse = chef.post(
        reverse("fiches:modifier", args=[deux.pk]),
        {
            "numero": deux.numero,
            "intitule": deux.intitule,
            "annee_debut": "2020",
            "annee_fin": "20220",
            "version": deux.version,
            "partenaires-TOTAL_FORMS": 0,
            "partenaires-INITIAL_FORMS": 0,
            "indicateurs-TOTAL_FORMS": 0,
            "indicateurs-INITIAL_FORMS": 0,
        },
    )
    assert reponse.status_code == 400 and "Saisissez une année entre 1900 et 2100" in texte(reponse)
    deux.refresh_from_db()
    assert deux.annee_fin != 20220 and deux.version == 1

    donnees = {
        "nom": "Comité très actif",
        "nature": "comite_financeurs",
        "colonne": "copilotage",
        "frequence": "32767",
        "periode": "mois",
        "membres-TOTAL_FORMS": 0,
        "membres-INITIAL_FORMS": 0,
    }
    reponse = chef.post(reverse("gouvernance:instance_creer", args=["grand-dijon"]), donnees)
    assert reponse.status_code == 400 and "Au plus 12 réunions par période" in texte(reponse)
    assert not Instance.objects.filter(nom="Comité très actif").exists()


def test_a_nul_byte_in_a_filter_is_a_400(conventions, connecter):
    client = connecter("chef.projet")
    for url in ("/dispositifs/", "/estimations/", "/contrats/grand-dijon/fiches/"):
        assert client.get(url, {"contrat": "a\x00", "q": "x"}).status_code == 400
    avant = Dispositif.objects.count()
    reponse = client.post(reverse("engagements:dispositif_creer", args=["grand-dijon"]), {"intitule": "a\x00b"})
    assert reponse.status_code == 400 and Dispositif.objects.count() == avant


# -- double submits and races ----------------------------------------------------------------


def _jeton(client, url):
    return re.search(r'name="jeton" value="([^"]+)"', client.get(url).content.decode()).group(1)


def test_a_double_submitted_creation_form_creates_once(conventions, connecter):
    caf = Partenaire.objects.get(slug="caf-21")
    agent = connecter("agent.caf")
    url = reverse("engagements:dispositif_creer", args=["grand-dijon"])
    donnees = {"partenaire": caf.pk, "intitule": "Nouveau dispositif", "statut": "actif", "jeton": _jeton(agent, url)}
    premiere = agent.post(url, donnees)
    seconde = agent.post(url, donnees)
    assert Dispositif.objects.filter(intitule="Nouveau dispositif").count() == 1
    cree = Dispositif.objects.get(intitule="Nouveau dispositif")
    assert premiere.status_code == seconde.status_code == 302
    assert premiere["Location"] == seconde["Location"] == cree.get_absolute_url()

    url = reverse("engagements:estimation_creer", args=[cree.pk])
    donnees = {"partenaire": caf.pk, "annee": 2016, "montant_annuel": "1 000", "jeton": _jeton(agent, url)}
    assert agent.post(url, donnees).status_code == agent.post(url, donnees).status_code == 302
    assert cree.estimations.count() == 1

    chef = connecter("chef.projet")
    url = reverse("gouvernance:instance_creer", args=["grand-dijon"])
    donnees = {
        "nom": "Comité des financeurs",
        "nature": "comite_financeurs",
        "colonne": "copilotage",
        "membres-TOTAL_FORMS": 0,
        "membres-INITIAL_FORMS": 0,
        "jeton": _jeton(chef, url),
    }
    assert chef.post(url, donnees).status_code == chef.post(url, donnees).status_code == 302
    assert Instance.objects.filter(nom="Comité des financeurs").count() == 1
    # Sent again as a new form (another token) within the same second: a second instance, numbered.
    assert chef.post(url, {**donnees, "jeton": _jeton(chef, url)}).status_code == 302
    assert sorted(Instance.objects.filter(nom="Comité des financeurs").values_list("slug", flat=True)) == [
        "comite-des-financeurs",
        "comite-des-financeurs-2",
    ]


def test_an_estimation_created_twice_is_refused_in_french_not_a_500(conventions, connecter, comptes, monkeypatch):
    """What two simultaneous posts meet: the second row breaks the uniqueness rule."""
    caf = Partenaire.objects.get(slug="caf-21")
    dispositif = Dispositif.objects.filter(contrat=conventions, partenaire=caf).exclude(estimations__annee=2016).first()
    versions.creer(comptes["agent.caf"], Estimation(dispositif=dispositif, partenaire=caf, annee=2016))
    with pytest.raises(versions.Doublon, match="Ce partenaire a déjà une estimation pour ce dispositif et cette année"):
        versions.creer(comptes["agent.caf"], Estimation(dispositif=dispositif, partenaire=caf, annee=2016))
    # The form's own check sees a row saved before it reads; a simultaneous one is saved after it read.
    client = connecter("agent.caf")
    url = reverse("engagements:estimation_creer", args=[dispositif.pk])
    deja = client.post(url, {"partenaire": caf.pk, "annee": 2016, "montant_annuel": "5"})
    assert deja.status_code == 400 and "CAF a déjà une estimation pour 2016 sur ce dispositif" in texte(deja)
    from engagements.forms import EstimationForm

    monkeypatch.setattr(EstimationForm, "clean", lambda self: self.cleaned_data)  # as if it read before the other saved
    course = client.post(url, {"partenaire": caf.pk, "annee": 2016, "montant_annuel": "5"})
    assert course.status_code == 400
    assert "Ce partenaire a déjà une estimation pour ce dispositif et cette année" in texte(course)
    assert dispositif.estimations.filter(annee=2016).count() == 1


def test_a_conflict_on_indicator_values_keeps_the_typing(conventions, connecter, comptes):
    indicateur = Indicateur.objects.filter(fiche__contrat__slug="ctg-dijon", fiche__slug="axe-2-fiche-2").first()
    url = reverse("fiches:mesures", args=[indicateur.pk])
    prefixe = f"i{indicateur.pk}"

    def donnees(valeur, version):
        return {
            f"{prefixe}-TOTAL_FORMS": 1,
            f"{prefixe}-INITIAL_FORMS": 1,
            f"{prefixe}-0-annee": 2024,
            f"{prefixe}-0-valeur": valeur,
            f"{prefixe}-0-commentaire": "ma saisie",
            f"{prefixe}-0-version": version,
        }

    versions.creer(comptes["chef.projet"], Mesure(indicateur=indicateur, annee=2024, valeur=Decimal("100")))
    agent = connecter("agent.caf")
    reponse = agent.post(url, donnees("120", 0))  # the form was opened before the chef saved 100
    assert reponse.status_code == 409
    page = reponse.content.decode()
    assert 'value="120"' in page and "ma saisie" in page
    assert "a enregistré une modification pendant que vous travailliez" in texte(reponse)
    assert Mesure.objects.get(indicateur=indicateur, annee=2024).valeur == Decimal("100")
    version = re.search(rf'name="{prefixe}-0-version" value="(\d+)"', page).group(1)
    assert agent.post(url, donnees("120", version)).status_code == 302  # saved again, knowingly
    assert Mesure.objects.get(indicateur=indicateur, annee=2024).valeur == Decimal("120")


def test_an_import_confirmed_twice_is_applied_once(conventions, connecter, tmp_path):
    from importation.models import ImportAnnexe
    from tests.classeurs import annexe_simple, en_octets

    ligne = (
        "Pilier Cohésion sociale",
        "1 - CONCOURIR A LA REUSSITE EDUCATIVE",
        "1-a) Favoriser les relations parents/enfants/Institutions",
        "CAF",
        "Un tout nouveau dispositif",
        "",
        6800,
        "",
        20400,
    )
    chef = connecter("chef.projet")
    from django.core.files.uploadedfile import SimpleUploadedFile

    fichier = SimpleUploadedFile("annexe.xlsx", en_octets(annexe_simple([ligne], annee=2016, periode="2016-2018")))
    apercu = chef.post(
        reverse("importation:annexe_importer", args=["grand-dijon"]), {"partenaire": "caf-21", "fichier": fichier}
    )
    assert apercu.status_code == 200
    depot = ImportAnnexe.objects.get()
    empreinte = re.search(r'name="empreinte" value="([^"]+)"', apercu.content.decode()).group(1)
    url = reverse("importation:import_confirmer", args=[depot.pk])
    assert chef.post(url, {"empreinte": empreinte}).status_code == 302
    assert chef.post(url, {"empreinte": empreinte}).status_code == 302
    assert Dispositif.objects.filter(intitule="Un tout nouveau dispositif").count() == 1
    depot.refresh_from_db()
    assert depot.applique_le is not None and date.today().year >= depot.applique_le.year
