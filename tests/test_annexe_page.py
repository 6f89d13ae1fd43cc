from decimal import Decimal

import pytest

from contrat.models import Objectif, Partenaire
from engagements.models import Dispositif, Estimation

from .grille import grille, montant

URL = "/contrats/grand-dijon/annexe-financiere/"
ANNUEL, PLURI = 6, 8


@pytest.fixture
def page(conventions, client_connecte):
    response = client_connecte.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def lignes_de(rangs):
    return [cells for section, classes, cells in rangs if section == "tbody" and classes in ([], ["hors-pilier"])]


def test_every_row_fills_the_nine_columns_of_the_seed(page):
    rangs = grille(page)
    entete = rangs[0][2]
    assert [c["texte"] for c in entete][:3] == ["PILIER", "ORIENTATIONS STRATÉGIQUES", "OBJECTIFS OPÉRATIONNELS"]
    assert entete[6]["texte"] == "Estimation de la valorisation financière annuelle 2015*"
    assert entete[8]["texte"] == "Montant estimatif pour 2015-2017*"
    for section, classes, cells in rangs:
        assert len(cells) == 9 and None not in cells, (classes, [c and c["texte"] for c in cells])


def test_the_totals_of_the_caf_annexe(page):
    total = [cells for _, classes, cells in grille(page) if "total" in classes]
    assert len(total) == 1
    assert total[0][0]["texte"] == "TOTAL financements CAF"
    assert total[0][ANNUEL]["texte"] == "43 130 000 €"
    assert total[0][PLURI]["texte"] == "129 530 000 €"


def test_each_pilier_subtotal_is_the_sum_of_its_lines(page):
    rangs = grille(page)
    sous_totaux = 0
    lignes = []
    for section, classes, cells in rangs[1:]:
        if "sous-total" in classes:
            pilier = cells[0]["texte"].removeprefix("Sous-total ")
            assert all(c[0]["texte"] == pilier for c in lignes)
            for col in (ANNUEL, PLURI):
                attendu = sum((montant(c[col]["texte"]) or Decimal(0) for c in lignes), Decimal(0))
                assert montant(cells[col]["texte"]) == attendu
            sous_totaux += 1
            lignes = []
        elif not classes:
            lignes.append(cells)
    assert sous_totaux == 4


def test_grouping_cells_span_their_rows(page):
    rangs = lignes_de(grille(page))
    # The objectifs 2-a) 2-b) 2-c) of the cadre de vie stand in one cell over its four lines.
    cellule = next(c[2] for c in rangs if c[2]["texte"].startswith("2-a) Assurer la qualité de service"))
    assert cellule["rowspan"] == 4
    assert "2-b) Assurer la tranquillité" in cellule["texte"] and "2-c) Poursuivre" in cellule["texte"]
    assert [c[4]["texte"] for c in rangs if c[2] is cellule] == [
        "logement non décent",
        "financement du FSL",
        "financement ADIL",
        "solvabilisation des familles",
    ]
    pilier = next(c[0] for c in rangs if c[0]["texte"] == "Pilier Cadre de vie des habitants")
    assert pilier["rowspan"] == sum(1 for c in rangs if c[0] is pilier) == 8
    # Objectifs with no line are still printed, with blank cells, as in the seed.
    vide = next(c for c in rangs if c[2]["texte"].startswith("1-b) Structurer la politique d'attribution"))
    assert [c["texte"] for c in vide[3:]] == [""] * 6


def test_a_line_without_amount_is_blank_not_zero(page):
    rangs = lignes_de(grille(page))
    asre = next(c for c in rangs if c[4]["texte"] == "ASRE (NAP)")
    assert asre[ANNUEL]["texte"] == "" and asre[PLURI]["texte"] == ""
    assert asre[ANNUEL]["attrs"].get("aria-label") == "montant inconnu"
    projet = next(c for c in rangs if "agence immobilière" in c[4]["texte"])
    assert projet[4]["texte"] == "EN PROJET : agence immobilière à vocation sociale"
    assert projet[ANNUEL]["texte"] == ""
    assert "0 €" not in [c[ANNUEL]["texte"] for c in rangs]


def test_each_dispositif_links_to_its_page(page, client_connecte):
    liens = [c[4]["liens"][0] for c in lignes_de(grille(page)) if c[4]["liens"]]
    assert len(liens) == 37
    assert set(liens) == {f"/dispositifs/{d.pk}/" for d in Dispositif.objects.all()}
    response = client_connecte.get(liens[0])
    assert response.status_code == 200


def test_an_unknown_amount_is_not_counted(conventions, client_connecte):
    pole_emploi = Partenaire.objects.get(slug="pole-emploi")
    objectif = Objectif.objects.get(
        orientation__pilier__slug="developpement-economique-emploi", orientation__slug="1", slug="1-a"
    )
    dispositif = Dispositif.objects.create(
        contrat=conventions, code="pe-1", partenaire=pole_emploi, intitule="Accompagnement intensif des jeunes"
    )
    dispositif.objectifs.add(objectif)
    Estimation.objects.create(
        dispositif=dispositif, partenaire=pole_emploi, annee=2015, periode_debut=2015, periode_fin=2017
    )
    rangs = grille(client_connecte.get(URL).content.decode())
    total = next(c for _, classes, c in rangs if "total" in classes)
    assert total[0]["texte"] == "TOTAL financements"  # two partners now
    assert total[ANNUEL]["texte"] == "43 130 000 €"
    ligne = next(c for c in lignes_de(rangs) if c[4]["texte"] == "Accompagnement intensif des jeunes")
    assert ligne[3]["texte"] == "Pôle emploi" and ligne[ANNUEL]["texte"] == ""
    # A partner whose every amount is unknown has an unknown total, not 0 €.
    filtre = grille(client_connecte.get(URL, {"partenaire": "pole-emploi"}).content.decode())
    total = next(c for _, classes, c in filtre if "total" in classes)
    assert total[0]["texte"] == "TOTAL financements Pôle emploi" and total[ANNUEL]["texte"] == ""


def test_filter_by_partner_names_it_in_the_title_and_the_total(conventions, client_connecte):
    html = client_connecte.get(URL, {"partenaire": "caf-21", "annee": "2015"}).content.decode()
    assert "Mobilisation des crédits de droits communs par la Caisse d&#x27;Allocations Familiales" in html
    total = next(c for _, classes, c in grille(html) if "total" in classes)
    assert total[0]["texte"] == "TOTAL financements CAF" and total[ANNUEL]["texte"] == "43 130 000 €"
    vide = grille(client_connecte.get(URL, {"partenaire": "dijon-metropole"}).content.decode())
    assert not [c for c in lignes_de(vide) if c[3]["texte"]]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"partenaire": "inconnu"}, "Ce partenaire n&#x27;existe pas"),
        ({"annee": "1990"}, "Aucune estimation n&#x27;existe pour cette année"),
        ({"annee": "deux-mille"}, "Aucune estimation n&#x27;existe pour cette année"),
    ],
)
def test_bad_filters_get_a_french_message_tied_to_the_field(conventions, client_connecte, params, message):
    response = client_connecte.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    champ = next(iter(params))
    assert f'aria-describedby="id_{champ}-erreurs' in html
    assert f'id="id_{champ}-erreurs"' in html


def test_the_contract_page_shows_perimeter_signatories_documents_tree_and_commitments(conventions, client_connecte):
    html = client_connecte.get("/contrats/grand-dijon/").content.decode()
    for texte in [
        "2015-2020, prolongé jusqu&#x27;en 2022",
        "Le Belvédère",
        "Guynemer",
        "Mme Caroline MICHAL",
        "Protocole d&#x27;engagements réciproques et renforcés 2019-2022",
        "Pilier Cohésion sociale",
        "1-c) Coordonner les parcours éducatifs",
        "Article 2.2 — La résorption des situations de logement indigne",
        "6 logements insalubres et 25 logements non décents",
        "Engagement commun des parties",
    ]:
        assert texte in html, texte
    assert html.count("<tr><td>") >= 21  # 19 signatories of the protocole and 2 of the convention


def test_the_annexe_costs_the_same_queries_whatever_its_number_of_lines(
    conventions, client_connecte, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as avant:
        client_connecte.get(URL)
    caf = Partenaire.objects.get(slug="caf-21")
    objectifs = list(Objectif.objects.filter(orientation__pilier__contrat=conventions))
    for i in range(30):
        dispositif = Dispositif.objects.create(
            contrat=conventions, code=f"sup-{i}", partenaire=caf, intitule=f"Dispositif supplémentaire {i}"
        )
        dispositif.objectifs.add(objectifs[i % len(objectifs)])
        Estimation.objects.create(dispositif=dispositif, partenaire=caf, annee=2015, montant_annuel=i)
    with django_assert_num_queries(len(avant.captured_queries)):
        response = client_connecte.get(URL)
    assert response.status_code == 200
    assert len(avant.captured_queries) <= 15  # the 15th: the partners the annexe owes an answer for


def test_each_year_is_offered_once(conventions, client_connecte):
    html = client_connecte.get(URL).content.decode()
    assert html.count('<option value="2015"') == 1


def test_a_line_outside_the_piliers_is_labelled_hors_pilier(page):
    rangs = [cells for section, classes, cells in grille(page) if classes == ["hors-pilier"]]
    assert rangs and all(cells[0]["texte"] == "Hors pilier" for cells in rangs)
    assert any("référent" in cells[4]["texte"].lower() for cells in rangs)
