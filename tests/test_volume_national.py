"""A national partner (France Travail, a CAF) is in dozens of contracts: the pages of one contract, and
the pages of that partner's agent, cost the same number of queries whether it is in 1 contract or in 12."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contrat.models import Contrat, Membre, Objectif, Orientation, Partenaire, Pilier
from engagements.models import Collecte, Dispositif, Estimation
from fiches.models import Engagement, Fiche, Intervenant

from .conftest import MOT_DE_PASSE

ANNEE = 2025


def _contrat(i, national, agent):
    """Contract n° i: its porteur, a tree, two dispositifs (the national partner's, the porteur's) with their
    2025 lines, a campaign expecting both; the national partner's agent acts in it."""
    porteur = Partenaire.objects.create(nom=f"Agglomération n° {i}", slug=f"agglo-{i}")
    contrat = Contrat.objects.create(
        nom=f"Contrat de ville n° {i}",
        slug=f"contrat-{i}",
        territoire=f"Territoire {i}",
        porteur=porteur,
        annee_debut=2024,
        annee_fin=2030,
    )
    contrat.partenaires.set([porteur, national])
    pilier = Pilier.objects.create(contrat=contrat, slug="p1", code="1", intitule="Cohésion sociale", ordre=1)
    orientation = Orientation.objects.create(pilier=pilier, slug="o1", code="1.1", intitule="Santé", ordre=1)
    objectif = Objectif.objects.create(orientation=orientation, slug="ob1", code="1.1.1", intitule="Accès", ordre=1)
    for partenaire in (national, porteur):
        dispositif = Dispositif.objects.create(
            contrat=contrat, code=f"d-{partenaire.slug}", partenaire=partenaire, intitule=f"Offre de {partenaire}"
        )
        dispositif.objectifs.set([objectif])
        Estimation.objects.create(
            dispositif=dispositif,
            partenaire=partenaire,
            annee=ANNEE,
            montant_annuel=Decimal("1000"),
            montant_pluriannuel=Decimal("6000"),
        )
    # A fiche where the national partner commits and acts (its page reads each one's name).
    fiche = Fiche.objects.create(contrat=contrat, slug="f1", numero="1", intitule="Emploi des jeunes", ordre=1)
    Engagement.objects.create(fiche=fiche, partenaire=national, ordre=1, texte="Accompagnement renforcé.")
    Intervenant.objects.create(fiche=fiche, partenaire=national, role=Intervenant.Role.PORTEUR, ordre=1)
    collecte = Collecte.objects.create(contrat=contrat, annee=ANNEE, echeance=timezone.localdate() + timedelta(30))
    collecte.partenaires.set([national, porteur])
    Membre.objects.create(user=agent, partenaire=national, role=Membre.Role.AGENT, contrat=contrat)
    chef = get_user_model().objects.create_user(f"chef-{i}", f"chef-{i}@example.org", MOT_DE_PASSE)
    Membre.objects.create(user=chef, partenaire=porteur, role=Membre.Role.CHEF_DE_PROJET, contrat=contrat)
    return contrat


@pytest.fixture
def national(db):
    partenaire = Partenaire.objects.create(nom="France Travail (essai)", sigle="FT", slug="france-travail-essai")
    agent = get_user_model().objects.create_user("agent.ft", "agent.ft@example.org", MOT_DE_PASSE)
    Membre.objects.create(user=agent, partenaire=partenaire, role=Membre.Role.AGENT, contrat=None)
    return partenaire, agent


PAGES = {
    "accueil de l'agent": ("agent", "/"),
    "page du partenaire pour son agent": ("agent", "/partenaires/{p}/"),
    "dispositifs de tous ses contrats": ("agent", "/dispositifs/"),
    "estimations de tous ses contrats, recherchées": ("agent", "/estimations/?q=offre&annee=2025"),
    "estimations de tous ses contrats": ("agent", "/estimations/?annee=2025"),
    "dispositifs d'un contrat": ("chef", "/dispositifs/?contrat=contrat-1"),
    "estimations d'un contrat": ("chef", "/estimations/?contrat=contrat-1&annee=2025"),
    "dispositifs d'un contrat pour l'agent": ("agent", "/dispositifs/?contrat=contrat-1&partenaire={p}"),
    "annexe du partenaire national": ("chef", "/contrats/contrat-1/annexe-financiere/?annee=2025&partenaire={p}"),
    "annexe du contrat": ("chef", "/contrats/contrat-1/annexe-financiere/?annee=2025"),
}


@pytest.mark.parametrize("page", PAGES)
def test_a_page_costs_the_same_queries_whether_the_partner_is_in_1_or_12_contracts(client, national, page):
    partenaire, agent = national
    qui, adresse = PAGES[page]
    adresse = adresse.format(p=partenaire.slug)
    _contrat(1, partenaire, agent)
    client.force_login(agent if qui == "agent" else get_user_model().objects.get(username="chef-1"))

    def requetes():
        client.get(adresse)  # the session, the caches: as on a second visit
        with CaptureQueriesContext(connection) as capture:
            reponse = client.get(adresse)
        assert reponse.status_code == 200, (adresse, reponse.status_code)
        return len(capture.captured_queries), reponse

    a_un, reponse = requetes()
    assert "Contrat de ville n° 1" in reponse.content.decode() or "contrat-1" in reponse.content.decode()
    for i in range(2, 13):
        _contrat(i, partenaire, agent)
    a_douze, reponse = requetes()
    if adresse == "/":  # the same queries, and still every campaign that waits for the agent
        contenu = reponse.content.decode()
        assert all(f"Contrat de ville n° {i}" in contenu for i in range(1, 13)), contenu
    assert a_douze == a_un, f"{page} : {a_un} requêtes dans 1 contrat, {a_douze} dans 12"


def test_the_national_agent_s_home_and_partner_page_go_contract_by_contract(client, national):
    """25 contracts: the home counts them all and shows 20 campaigns a page; the partner page sums each
    contract of its page in a row and details one (the first, or the one asked)."""
    partenaire, agent = national
    for i in range(1, 26):
        _contrat(i, partenaire, agent)
    client.force_login(agent)
    accueil = client.get("/").content.decode()
    assert "<strong>25 collectes ouvertes</strong> vous concernent" in accueil
    assert accueil.count('class="fr-card fr-card--horizontal fr-mb-2w tache"') == 20
    suite = client.get("/?page=2").content.decode()
    assert suite.count('class="fr-card fr-card--horizontal fr-mb-2w tache"') == 5
    page = client.get(f"/partenaires/{partenaire.slug}/").content.decode()
    resume = page.split('<table id="resume-contrats">', 1)[1].split("</table>", 1)[0]
    assert resume.count("<tr>") == 21 and "(25 contrats)" in resume  # 20 rows and the header
    assert "Dans le contrat « Contrat de ville n° 1 »" in page
    assert page.count("Accompagnement renforcé.") == 1  # one contract's details, not 25
    septieme = client.get(f"/partenaires/{partenaire.slug}/?contrat=contrat-7").content.decode()
    assert "Dans le contrat « Contrat de ville n° 7 »" in septieme
    # Page 2 of the summary lists the 5 last contracts; a contract he does not see is a 404.
    deux = client.get(f"/partenaires/{partenaire.slug}/?page=2").content.decode()
    assert deux.split('<table id="resume-contrats">', 1)[1].split("</table>", 1)[0].count("<tr>") == 6
    ailleurs = Contrat.objects.create(nom="Ailleurs", slug="ailleurs", territoire="X", annee_debut=2024, annee_fin=2030)
    assert client.get(f"/partenaires/{partenaire.slug}/?contrat={ailleurs.slug}").status_code == 404
    # The lists without a contract chosen: 20 contracts a page, each counted, the rows of the first listed.
    for liste in ("dispositifs", "estimations"):
        page = client.get(f"/{liste}/?annee=2025").content.decode()
        resume = page.split('<table id="resume-contrats">', 1)[1].split("</table>", 1)[0]
        assert resume.count("<tr>") == 21 and "(25 contrats que vous pouvez consulter)" in resume
        assert "du contrat « Contrat de ville n° 1 »" in page and "<strong>2</strong> résultats" in page
        suite = client.get(f"/{liste}/?annee=2025&contrats=2").content.decode()
        assert suite.split('<table id="resume-contrats">', 1)[1].split("</table>", 1)[0].count("<tr>") == 6
        seul = client.get(f"/{liste}/?annee=2025&contrat=contrat-7").content.decode()
        assert 'id="resume-contrats"' not in seul and "<strong>2</strong> résultats" in seul
    estimations = client.get("/estimations/?annee=2025").content.decode()
    assert "2 000 €" in estimations.split('<table id="resume-contrats">', 1)[1].split("</table>", 1)[0]


def test_every_line_carries_its_dispositif_s_contract_whatever_made_it(conventions, comptes):
    """The contract kept on each line (its index) is its dispositif's: lines loaded from the fixtures, saved
    by a form, bulk-created by a grid; a line that would lack it is refused by the database."""
    from django.db import IntegrityError, transaction
    from django.db.models import F

    from noyau import versions

    dispositif = Dispositif.objects.filter(contrat=conventions).first()
    caf = Partenaire.objects.get(slug="caf-21")
    versions.creer(comptes["admin"], Estimation(dispositif=dispositif, partenaire=caf, annee=2019))
    versions.creer_en_nombre(
        comptes["admin"],
        [Estimation(dispositif=dispositif, partenaire=caf, annee=a) for a in (2020, 2021)],
        source=versions.Source.FORMULAIRE,
    )
    lignes = Estimation.objects.all()
    assert lignes.count() > 30 and not lignes.exclude(contrat=F("dispositif__contrat")).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Estimation.objects.bulk_create([Estimation(dispositif=dispositif, partenaire=caf, annee=2022)])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="le JIT est un réglage de PostgreSQL")
def test_postgresql_s_jit_is_off_on_the_application_s_connections(db):
    """Compiling the aggregates of a national instance cost more than it saved (docs/mesures.md)."""
    with connection.cursor() as curseur:
        curseur.execute("SHOW jit")
        assert curseur.fetchone()[0] == "off"


def test_a_filter_list_too_long_to_offer_keeps_the_value_already_chosen(client, national):
    """Beyond 300 organisations, the list's select asks for a contract first, but the organisation the
    link or the last search chose is still offered, selected: filtering again does not drop it."""
    partenaire, agent = national
    contrat = _contrat(1, partenaire, agent)
    contrat.partenaires.add(
        *Partenaire.objects.bulk_create(Partenaire(nom=f"Association {i}", slug=f"asso-{i}") for i in range(310))
    )
    client.force_login(agent)
    page = client.get("/dispositifs/", {"partenaire": partenaire.slug}).content.decode()
    choix = page.split('name="partenaire"', 1)[1].split("</select>", 1)[0]
    assert "Choisissez d&#x27;abord un contrat" in choix and "Plus de 300 choix" in page
    assert f'<option value="{partenaire.slug}" selected>' in choix and choix.count("<option") == 2
    assert client.get("/dispositifs/", {"pilier": "abc"}).status_code == 400  # not a number: said, no error


def test_an_organisation_only_cited_beside_a_dispositif_of_a_fiche_has_its_contract_on_its_page(client, national):
    from fiches.models import DispositifMobilise

    partenaire, agent = national
    _contrat(1, partenaire, agent)
    cite = Partenaire.objects.create(nom="Fondation citée", slug="fondation-citee")
    mobilise = DispositifMobilise.objects.create(fiche=Fiche.objects.get(slug="f1"), texte="Bourses d'été", ordre=1)
    mobilise.autres_partenaires.add(cite)
    client.force_login(get_user_model().objects.get(username="chef-1"))
    page = client.get(f"/partenaires/{cite.slug}/").content.decode()
    assert "Dans le contrat « Contrat de ville n° 1 »" in page and "Bourses d&#x27;été" in page
