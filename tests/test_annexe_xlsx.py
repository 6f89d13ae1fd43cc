import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from engagements.models import Dispositif

URL = "/contrats/grand-dijon/annexe-financiere.xlsx"


def classeur(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content)).active


@pytest.fixture
def feuille(conventions, client_connecte):
    return classeur(client_connecte.get(URL))


def ligne_entete(ws):
    return next(r for r in range(1, 30) if ws.cell(r, 1).value == "PILIER")


def valeur(ws, reference):
    """The value of a cell, a SUM formula evaluated over its ranges and cells."""
    contenu = ws[reference].value
    if isinstance(contenu, str) and contenu.startswith("=SUM("):
        total = Decimal(0)
        for terme in contenu[5:-1].split(","):
            if ":" in terme:
                min_col, min_row, max_col, max_row = range_boundaries(terme)
                cellules = [
                    ws.cell(r, c).coordinate for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)
                ]
            else:
                cellules = [terme]
            total += sum((valeur(ws, c) or Decimal(0) for c in cellules), Decimal(0))
        return total
    return None if contenu is None else Decimal(str(contenu))


def rang_du_libelle(ws, libelle):
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == libelle)


def test_the_totals_are_sum_formulas_reaching_the_seed_totals(feuille):
    r = rang_du_libelle(feuille, "TOTAL financements CAF")
    assert feuille.cell(r, 7).value.startswith("=SUM(")
    assert feuille.cell(r, 9).value.startswith("=SUM(")
    assert valeur(feuille, f"G{r}") == Decimal("43130000")
    assert valeur(feuille, f"I{r}") == Decimal("129530000")
    sous_total = rang_du_libelle(feuille, "Sous-total Pilier Cadre de vie des habitants")
    assert valeur(feuille, f"G{sous_total}") == Decimal("12130500")


def test_amounts_are_numbers_with_a_euro_format(feuille):
    debut = ligne_entete(feuille) + 1
    montants = [
        feuille.cell(r, c)
        for r in range(debut, feuille.max_row + 1)
        for c in (7, 9)
        if feuille.cell(r, c).value is not None and feuille.cell(r, c).data_type == "n"
    ]
    assert len(montants) == 70  # the 35 annual and the 35 multi-year amounts
    assert all("€" in c.number_format for c in montants)
    assert all(not isinstance(c.value, float) or c.value == int(c.value) for c in montants)
    solvabilisation = next(
        r for r in range(debut, feuille.max_row + 1) if feuille.cell(r, 6).value == "aides aux logement"
    )
    assert feuille.cell(solvabilisation, 7).value == 12100000
    assert feuille.cell(solvabilisation, 9).value == 36300000
    asre = next(r for r in range(debut, feuille.max_row + 1) if feuille.cell(r, 5).value == "ASRE (NAP)")
    assert feuille.cell(asre, 7).value is None and feuille.cell(asre, 9).value is None


def test_the_layout_matches_the_printed_annexe(feuille):
    entete = ligne_entete(feuille)
    assert [feuille.cell(entete, c).value for c in range(1, 10)][:5] == [
        "PILIER",
        "ORIENTATIONS STRATÉGIQUES",
        "OBJECTIFS OPÉRATIONNELS",
        "Service responsable du financement",
        "Intitulé du dispositif / Offre de services",
    ]
    assert feuille["A1"].value == "ANNEXE FINANCIÈRE"
    assert feuille.freeze_panes == f"A{entete + 1}"
    assert feuille.auto_filter.ref is None  # merged cells and subtotals: not a table to filter
    assert feuille.print_title_rows == f"${entete}:${entete}"
    assert feuille.page_setup.orientation == "landscape"
    assert all(feuille.column_dimensions[c].width >= 14 for c in "ABCDEFGHI")
    fusions = {str(m) for m in feuille.merged_cells.ranges}
    pilier = rang_du_libelle(feuille, "Pilier Cadre de vie des habitants")
    assert f"A{pilier}:A{pilier + 7}" in fusions
    notes = [feuille.cell(r, 1).value for r in range(1, feuille.max_row + 1)]
    assert "COG 2013-2017 pas de visibilité sur les dispositifs au-delà de 2017" in notes


@pytest.mark.parametrize("texte", ['=HYPERLINK("http://exemple.invalid","clic")', "+33 1 23", "-1+1", "@SUM(A1)"])
def test_formula_looking_text_stays_text(conventions, client_connecte, texte):
    dispositif = Dispositif.objects.get(intitule="REAAP")
    dispositif.unite_compte = texte
    dispositif.save()
    ws = classeur(client_connecte.get(URL))
    cellule = next(ws.cell(r, 6) for r in range(1, ws.max_row + 1) if ws.cell(r, 5).value == "REAAP")
    assert cellule.value == texte
    assert cellule.data_type == "s"
    assert cellule.quotePrefix


def test_the_partner_filter_titles_the_workbook(conventions, client_connecte):
    ws = classeur(client_connecte.get(URL, {"partenaire": "caf-21", "annee": "2015"}))
    valeurs = [ws.cell(r, 1).value for r in range(1, 12)]
    assert "Mobilisation des crédits de droits communs par la Caisse d'Allocations Familiales" in valeurs
    assert rang_du_libelle(ws, "TOTAL financements CAF")
    vide = classeur(client_connecte.get(URL, {"partenaire": "pole-emploi"}))
    r = rang_du_libelle(vide, "TOTAL financements Pôle emploi")
    assert valeur(vide, f"G{r}") == 0 and re.match(r"=SUM\(", vide.cell(r, 7).value)


def test_the_workbook_of_a_year_not_fully_validated_says_version_de_travail(conventions, client_connecte, comptes):
    from engagements import services
    from engagements.exports import VERSION_DE_TRAVAIL

    def titres():
        reponse = client_connecte.get("/contrats/grand-dijon/annexe-financiere.xlsx?annee=2015")
        feuille = load_workbook(io.BytesIO(reponse.content)).worksheets[0]
        return [feuille.cell(r, 1).value for r in range(1, 12)]

    assert VERSION_DE_TRAVAIL in titres()
    from contrat.models import Partenaire

    caf = Partenaire.objects.get(slug="caf-21")
    services.changer_statut(comptes["agent.caf"], conventions, caf, 2015, "soumettre")
    services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "valider")
    assert VERSION_DE_TRAVAIL not in titres()
