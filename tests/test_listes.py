import csv
import io
import re

import pytest
from openpyxl import load_workbook

from contrat.models import Objectif, Partenaire
from engagements.models import Dispositif, Estimation


@pytest.fixture
def client(connecter):
    return connecter("lecteur")


def lignes_csv(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize(
    "filtres, attendu",
    [
        ({}, 37),
        ({"contrat": "grand-dijon"}, 37),
        ({"partenaire": "caf-21"}, 37),
        ({"partenaire": "pole-emploi"}, 0),
        ({"annee": "2015"}, 37),
        ({"annee": "2016"}, 0),
        ({"statut": "en_projet"}, 1),
        ({"q": "solvabilisation"}, 3),
        ({"q": "PARENTALITÉ"}, 3),  # two "pilotage axe parentalité" and the CLAS remark
    ],
)
def test_filters_and_export_give_exactly_the_filtered_rows(client, filtres, attendu):
    for liste in ("dispositifs", "estimations"):
        lignes = lignes_csv(client.get(f"/{liste}/export.csv", filtres))
        assert len(lignes) - 1 == attendu, (liste, filtres)
        classeur = load_workbook(io.BytesIO(client.get(f"/{liste}/export.xlsx", filtres).content)).active
        assert classeur.max_row - 1 == attendu


def test_filters_by_the_strategy_tree_and_quartier(client, conventions):
    pilier = conventions.piliers.get(slug="cadre-de-vie")
    assert len(lignes_csv(client.get("/dispositifs/export.csv", {"pilier": pilier.pk}))) - 1 == 6
    objectif = Objectif.objects.get(orientation__pilier=pilier, orientation__slug="2", slug="2-b")
    assert len(lignes_csv(client.get("/estimations/export.csv", {"objectif": objectif.pk}))) - 1 == 4
    orientation = objectif.orientation
    assert len(lignes_csv(client.get("/estimations/export.csv", {"orientation": orientation.pk}))) - 1 == 4
    # The five CAF lines whose unité or remarque names Fontaine d'Ouche; one more once it is added to another.
    assert len(lignes_csv(client.get("/dispositifs/export.csv", {"quartier": "dijon-fontaine-d-ouche"}))) - 1 == 5
    d = Dispositif.objects.get(code="caf-2015-01")
    d.quartiers.add(conventions.quartiers.get(slug="dijon-fontaine-d-ouche"))
    assert len(lignes_csv(client.get("/dispositifs/export.csv", {"quartier": "dijon-fontaine-d-ouche"}))) - 1 == 6


def test_exported_amounts_are_numbers_and_formulas_stay_text(client):
    d = Dispositif.objects.get(code="caf-2015-06")
    d.intitule = '=HYPERLINK("http://exemple.invalid")'
    d.save()
    lignes = lignes_csv(client.get("/estimations/export.csv", {"q": "HYPERLINK"}))
    assert lignes[0][:3] == ["Dispositif", "Contrat", "Partenaire"]
    assert lignes[1][0] == '\'=HYPERLINK("http://exemple.invalid")'
    assert lignes[1][4] == "12100000,00"
    ws = load_workbook(io.BytesIO(client.get("/estimations/export.xlsx", {"q": "HYPERLINK"}).content)).active
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK")
    assert ws["E2"].value == 12100000 and "€" in ws["E2"].number_format


def test_bad_filters_get_a_french_message(client):
    response = client.get("/estimations/", {"partenaire": "inconnu"})
    assert response.status_code == 400
    assert "Ce choix n&#x27;existe pas : choisissez dans la liste." in response.content.decode()
    assert client.get("/estimations/export.csv", {"partenaire": "inconnu"}).status_code == 400
    assert client.get("/estimations/export.pdf").status_code == 404


def test_the_list_is_sortable_and_paginated(client):
    page = client.get("/estimations/", {"sort": "-montant_annuel"}).content.decode()
    corps = page.split("<tbody")[-1].split("</tbody>", 1)[0]  # the rows' table, after the contracts' summary
    annuels = [re.search(r'<td class="montant">([\d ]*)', ligne).group(1) for ligne in corps.split("<tr")[1:]]
    montants = [int(m.replace(" ", "")) for m in annuels if m.strip()]
    assert len(montants) > 10 and montants == sorted(montants, reverse=True)  # the annual amounts, largest first
    assert "14 000 000 €" in page and "650 €" not in page  # 25 rows a page: the smallest is on page 2
    page2 = client.get("/estimations/", {"sort": "-montant_annuel", "page": 2}).content.decode()
    assert "650 €" in page2


@pytest.mark.parametrize("liste", ["dispositifs", "estimations"])
def test_the_query_count_does_not_grow_with_the_page_size(client, liste, django_assert_max_num_queries, conventions):
    caf = Partenaire.objects.get(slug="caf-21")
    objectif = Objectif.objects.filter(orientation__pilier__contrat=conventions).first()
    for i in range(80):
        d = Dispositif.objects.create(contrat=conventions, code=f"n{i}", partenaire=caf, intitule=f"Ligne {i}")
        d.objectifs.add(objectif)
        Estimation.objects.create(dispositif=d, partenaire=caf, annee=2015, montant_annuel=i)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    comptes = []
    for par_page in (25, 100):
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(f"/{liste}/", {"per_page": par_page}).status_code == 200
        comptes.append(len(requetes.captured_queries))
    assert comptes[0] == comptes[1] <= 15


def test_the_dispositifs_list_reads_the_same_queries_for_25_or_100_rows(client, django_assert_max_num_queries):
    """make bench measures this on 2 000 lines; here 150 lines, each under one or two objectifs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    modele = Dispositif.objects.get(contrat__slug="grand-dijon", code="caf-2015-06")
    objectifs = list(Objectif.objects.filter(orientation__pilier__contrat__slug="grand-dijon"))
    nouveaux = Dispositif.objects.bulk_create(
        Dispositif(contrat=modele.contrat, partenaire=modele.partenaire, code=f"ligne-{n}", intitule=f"Ligne {n}")
        for n in range(150)
    )
    Dispositif.objectifs.through.objects.bulk_create(
        Dispositif.objectifs.through(dispositif=d, objectif=o)
        for i, d in enumerate(nouveaux)
        for o in objectifs[i % 10 : i % 10 + 1 + i % 2]
    )
    requetes = {}
    for taille in (25, 100):
        with CaptureQueriesContext(connection) as capture:
            page = client.get("/dispositifs/", {"contrat": "grand-dijon", "per_page": taille, "sort": "intitule"})
        assert page.status_code == 200
        assert page.content.decode().count('<a href="/dispositifs/') == taille
        requetes[taille] = len(capture.captured_queries)
    assert requetes[25] == requetes[100] <= 15, requetes


def test_the_partner_filter_offers_only_the_partners_of_contracts_one_sees(client, comptes, conventions):
    from contrat.models import Contrat, Partenaire

    ailleurs = Contrat.objects.create(
        nom="Contrat d'ailleurs", slug="ailleurs", territoire="Ailleurs", annee_debut=2015, annee_fin=2020
    )
    autre = Partenaire.objects.create(nom="Ville d'ailleurs", sigle="Ailleurs", slug="ville-ailleurs")
    d = Dispositif.objects.create(contrat=ailleurs, code="x", partenaire=autre, intitule="Ligne d'ailleurs")
    Estimation.objects.create(dispositif=d, partenaire=autre, annee=2016, montant_annuel=5)
    for liste in ("dispositifs", "estimations"):
        client.force_login(comptes["agent.caf"])
        choix = {p.slug for p in client.get(f"/{liste}/").context["filtre"].form.fields["partenaire"].queryset}
        assert "ville-ailleurs" not in choix and "caf-21" in choix
        client.force_login(comptes["admin"])
        choix = {p.slug for p in client.get(f"/{liste}/").context["filtre"].form.fields["partenaire"].queryset}
        assert "ville-ailleurs" in choix


def test_the_list_workbook_is_made_to_be_read_and_printed(client):
    ws = load_workbook(io.BytesIO(client.get("/estimations/export.xlsx", {"partenaire": "caf-21"}).content)).active
    entetes = [c.value for c in ws[1]]
    assert entetes[:4] == ["Dispositif", "Contrat", "Partenaire", "Année"] and ws["A1"].font.bold
    assert ws["D2"].value == 2015 and ws["D2"].data_type == "n"  # a year is a number
    montants = [r[4] for r in ws.iter_rows(min_row=2) if r[4].value is not None]
    assert all(
        ",00" not in c.number_format and ".00" not in c.number_format for c in montants if c.value == int(c.value)
    )  # whole euros without cents
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows.replace("$", "") == "1:1"


def test_the_estimations_list_gives_the_total_of_every_filtered_row(client):
    page = client.get("/estimations/", {"partenaire": "caf-21", "annee": "2015", "per_page": 10})
    texte = page.content.decode()
    assert "43 130 000 €" in texte and "129 530 000 €" in texte  # over all pages, not the 10 shown
    assert re.search(r'id="compte" role="status"><strong>37</strong> résultats', texte)
    assert "Partenaire : Caisse d&#x27;Allocations Familiales de la Côte-d&#x27;Or" in texte  # the active filters
