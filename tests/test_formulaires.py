from decimal import Decimal

import pytest

from contrat.models import Contrat, Objectif, Orientation, Partenaire, Pilier
from engagements.models import Dispositif, Estimation
from noyau.models import Historique


@pytest.fixture
def caf_client(connecter):
    return connecter("agent.caf")


@pytest.fixture
def ligne():
    return Dispositif.objects.get(code="caf-2015-06")  # solvabilisation des familles, 12 100 000 €


def donnees_estimation(estimation, **changements):
    donnees = {
        "partenaire": estimation.partenaire_id,
        "annee": estimation.annee,
        "montant_annuel": "12 100 000",
        "remarque_annuelle": "",
        "periode_debut": 2015,
        "periode_fin": 2017,
        "montant_pluriannuel": "36 300 000",
        "remarque_pluriannuelle": "",
        "version": estimation.version,
    }
    donnees.update(changements)
    return donnees


def test_an_agent_changes_an_amount_typed_the_french_way(caf_client, ligne):
    estimation = ligne.estimations.get()
    response = caf_client.post(
        f"/estimations/{estimation.pk}/modifier/",
        donnees_estimation(estimation, montant_annuel="12\u202f200\u00a0000 €"),
    )
    assert response.status_code == 302
    estimation.refresh_from_db()
    assert estimation.montant_annuel == Decimal("12200000") and estimation.version == 2
    assert "43 230 000 €" in caf_client.get("/contrats/grand-dijon/annexe-financiere/").content.decode()


def test_a_blank_amount_is_unknown_not_zero(caf_client, ligne):
    estimation = ligne.estimations.get()
    caf_client.post(f"/estimations/{estimation.pk}/modifier/", donnees_estimation(estimation, montant_annuel=""))
    estimation.refresh_from_db()
    assert estimation.montant_annuel is None
    assert "31 030 000 €" in caf_client.get("/contrats/grand-dijon/annexe-financiere/").content.decode()


@pytest.mark.parametrize(
    "champ, valeur, message",
    [
        ("montant_annuel", "-12", "Un montant ne peut pas être négatif."),
        ("montant_annuel", "12,345", "Un montant a au plus deux décimales"),
        ("montant_annuel", "beaucoup", "Saisissez un montant en euros"),
        ("annee", "2031", "L&#x27;année doit être comprise dans la période du contrat (2015-2022)."),
        ("periode_fin", "2014", "L&#x27;année doit être comprise dans la période du contrat"),
        (
            "montant_pluriannuel",
            "1 000",
            "Le montant pluriannuel (1 000 €) est inférieur au montant annuel (12 100 000 €)",
        ),
    ],
)
def test_bad_input_gets_a_french_message_tied_to_its_field(caf_client, ligne, champ, valeur, message):
    estimation = ligne.estimations.get()
    response = caf_client.post(
        f"/estimations/{estimation.pk}/modifier/", donnees_estimation(estimation, **{champ: valeur})
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'aria-describedby="id_{champ}-erreurs' in html and f'id="id_{champ}-erreurs"' in html
    estimation.refresh_from_db()
    assert estimation.montant_annuel == Decimal("12100000") and estimation.version == 1  # nothing written


def test_a_lower_multi_year_amount_passes_once_confirmed(caf_client, ligne):
    estimation = ligne.estimations.get()
    response = caf_client.post(
        f"/estimations/{estimation.pk}/modifier/",
        donnees_estimation(estimation, montant_pluriannuel="1 000", confirmer_ecart="on"),
    )
    assert response.status_code == 302
    estimation.refresh_from_db()
    assert estimation.montant_pluriannuel == Decimal("1000")


def test_an_objectif_of_another_contract_is_refused(caf_client, ligne, conventions):
    autre = Contrat.objects.create(
        nom="Autre contrat", slug="autre", territoire="Ailleurs", annee_debut=2015, annee_fin=2020
    )
    etranger = Objectif.objects.create(
        orientation=Orientation.objects.create(
            pilier=Pilier.objects.create(contrat=autre, slug="p", intitule="Pilier ailleurs"), slug="1", intitule="O"
        ),
        slug="1-a",
        intitule="Objectif d'ailleurs",
    )
    response = caf_client.post(
        f"/dispositifs/{ligne.pk}/modifier/",
        {
            "partenaire": ligne.partenaire_id,
            "intitule": ligne.intitule,
            "statut": "actif",
            "version": 1,
            "objectifs": [etranger.pk],
        },
    )
    assert response.status_code == 400
    assert "n&#x27;appartient pas au contrat de ce dispositif" in response.content.decode()
    assert etranger not in ligne.objectifs.all()


def test_an_agent_creates_a_dispositif_then_its_estimate(caf_client, conventions):
    objectif = Objectif.objects.get(orientation__pilier__slug="cohesion-sociale", orientation__slug="1", slug="1-a")
    response = caf_client.post(
        "/contrats/grand-dijon/dispositifs/ajouter/",
        {
            "partenaire": Partenaire.objects.get(slug="caf-21").pk,
            "intitule": "Nouveau LAEP aux Grésilles",
            "unite_compte": "1 lieu",
            "statut": "en_projet",
            "objectifs": [objectif.pk],
        },
    )
    assert response.status_code == 302
    dispositif = Dispositif.objects.get(intitule="Nouveau LAEP aux Grésilles")
    assert dispositif.contrat == conventions and list(dispositif.objectifs.all()) == [objectif]
    response = caf_client.post(
        f"/dispositifs/{dispositif.pk}/estimations/ajouter/",
        {
            "partenaire": dispositif.partenaire_id,
            "annee": 2015,
            "montant_annuel": "10 000",
            "periode_debut": 2015,
            "periode_fin": 2017,
            "montant_pluriannuel": "30 000",
        },
    )
    assert response.status_code == 302
    assert Estimation.objects.get(dispositif=dispositif).montant_annuel == Decimal("10000")
    page = caf_client.get("/contrats/grand-dijon/annexe-financiere/").content.decode()
    assert "EN PROJET : Nouveau LAEP aux Grésilles" in page and "43 140 000 €" in page
    assert Historique.objects.filter(dossier=f"dispositif:{dispositif.pk}", action="creation").count() == 2


def test_an_agent_cannot_create_for_another_partner(caf_client, conventions):
    response = caf_client.post(
        "/contrats/grand-dijon/dispositifs/ajouter/",
        {
            "partenaire": Partenaire.objects.get(slug="pole-emploi").pk,
            "intitule": "Au nom d'un autre",
            "statut": "actif",
        },
    )
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Dispositif.objects.filter(intitule="Au nom d'un autre").exists()


def test_a_duplicate_year_is_refused(caf_client, ligne):
    response = caf_client.post(
        f"/dispositifs/{ligne.pk}/estimations/ajouter/",
        {"partenaire": ligne.partenaire_id, "annee": 2015, "montant_annuel": "1"},
    )
    assert response.status_code == 400
    assert "CAF a déjà une estimation pour 2015 sur ce dispositif" in response.content.decode()


def test_archiving_removes_the_line_from_the_annexe(caf_client, ligne):
    response = caf_client.post(f"/dispositifs/{ligne.pk}/archiver/", {"version": ligne.version})
    assert response.status_code == 302
    ligne.refresh_from_db()
    assert ligne.archive
    assert "31 030 000 €" in caf_client.get("/contrats/grand-dijon/annexe-financiere/").content.decode()
    assert caf_client.get(f"/dispositifs/{ligne.pk}/modifier/").status_code == 403
