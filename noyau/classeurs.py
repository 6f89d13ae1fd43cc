"""Workbook helpers shared by every export: text that never becomes a formula, amounts as
numbers in euros, bold frozen headers, merged ranges."""

import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange

FORMULE_DEBUT = ("=", "+", "-", "@")
FORMAT_EUROS = '#,##0 "€"'
FORMAT_EUROS_CENTIMES = '#,##0.00 "€"'

fin = Side(style="thin", color="999999")
BORDURE = Border(left=fin, right=fin, top=fin, bottom=fin)
ENVELOPPE = Alignment(wrap_text=True, vertical="top")


# The styles of the body cells, registered once per workbook: giving each of thousands of
# cells its own Alignment and Border objects is what made a 2 000-line export slow (make bench).
STYLES = {
    "texte": dict(alignment=ENVELOPPE),
    "montant": dict(alignment=Alignment(horizontal="right", vertical="top"), number_format=FORMAT_EUROS),
    "montant centimes": dict(
        alignment=Alignment(horizontal="right", vertical="top"), number_format=FORMAT_EUROS_CENTIMES
    ),
}


def style(cellule, nom):
    classeur = cellule.parent.parent
    if nom not in classeur.named_styles:
        classeur.add_named_style(NamedStyle(name=nom, border=BORDURE, **STYLES[nom]))
    cellule.style = nom


def texte_sur(valeur):
    """A CSV cell a spreadsheet will never run as a formula: a leading = + - @ is quoted."""
    if isinstance(valeur, str) and valeur.startswith(FORMULE_DEBUT):
        return "'" + valeur
    return valeur


def cellule_texte(cellule, valeur):
    """Writes text as text: a leading = + - @ never becomes a formula."""
    cellule.value = valeur or None
    style(cellule, "texte")
    if valeur:
        cellule.data_type = "s"
        if valeur.startswith(FORMULE_DEBUT):
            cellule.quotePrefix = True


def feuille_avec_entetes(classeur, titre, colonnes, nouvelle=False):
    """The first sheet of a workbook (or, `nouvelle`, one more) with bold, frozen, printed-on-every-page
    headers: [(name, width)]."""
    feuille = classeur.create_sheet(titre) if nouvelle else classeur.active
    feuille.title = titre
    for i, (nom, largeur) in enumerate(colonnes, 1):
        cellule = feuille.cell(row=1, column=i)
        cellule_texte(cellule, nom)  # a heading may come from the data (a pilier's name): never a formula
        cellule.font, cellule.border = Font(bold=True), BORDURE
        cellule.fill = PatternFill("solid", fgColor="DDE5F5")
        cellule.alignment = Alignment(wrap_text=True, vertical="top")
        feuille.column_dimensions[cellule.column_letter].width = largeur
    feuille.freeze_panes = "A2"
    feuille.print_title_rows = "1:1"
    mise_en_page(feuille)
    return feuille


def mise_en_page(feuille):
    """Printed as people print a wide table: A4 landscape, every column on the page's width, the
    header row on each page, « Page n / N » at the foot."""
    feuille.page_setup.orientation = "landscape"
    feuille.page_setup.paperSize = feuille.PAPERSIZE_A4
    feuille.page_setup.fitToWidth = 1
    feuille.page_setup.fitToHeight = 0
    feuille.sheet_properties.pageSetUpPr.fitToPage = True
    feuille.oddFooter.center.text = "Page &P / &N"


def cellule_montant(cellule, valeur):
    """An amount as a number with a euro format; an unknown amount stays an empty cell."""
    centimes = valeur is not None and valeur != valeur.to_integral_value()
    style(cellule, "montant centimes" if centimes else "montant")
    if valeur is not None:
        cellule.value = Decimal(valeur)


def fusionner(ws, ligne, colonne, fin_ligne, fin_colonne):
    """Merges a range whose every cell has the bordered text style. openpyxl's merge_cells copies
    the first cell's borders onto each edge cell one object at a time: half the time of a
    2 000-line export (make bench); the cells styled at once give the same borders."""
    for r in range(ligne, fin_ligne + 1):
        for c in range(colonne, fin_colonne + 1):
            if (r, c) != (ligne, colonne):
                style(ws.cell(r, c), "texte")
    ws.merged_cells.add(
        MergedCellRange(ws, f"{get_column_letter(colonne)}{ligne}:{get_column_letter(fin_colonne)}{fin_ligne}")
    )


def cellule_formule(cellule, formule, centimes):
    cellule.value = formule
    cellule.number_format = FORMAT_EUROS_CENTIMES if centimes else FORMAT_EUROS
    cellule.font = Font(bold=True)
    cellule.alignment = Alignment(horizontal="right", vertical="top")
    cellule.border = BORDURE


@dataclass(frozen=True)
class Colonne:
    """A column of a flat sheet: its heading, its width, and how its cells are written."""

    nom: str
    largeur: int = 20
    nature: str = "texte"  # "texte", "montant" (euros), "nombre" (a year, a count, a measure), "date"


def _ecrire(cellule, nature, valeur):
    if nature == "montant":
        cellule_montant(cellule, valeur)
    elif nature == "texte":
        cellule_texte(cellule, "" if valeur is None else str(valeur))
    else:  # a number or a date: the value itself, bordered like the text beside it
        cellule.value, cellule.border = (None if valeur == "" else valeur), BORDURE
        if nature == "date" and valeur is not None:
            cellule.number_format = "DD/MM/YYYY"


def classeur_plat(*feuilles, filtre=True):
    """The bytes of a workbook of flat sheets, each given as (title, [Colonne], rows): the headers of
    `feuille_avec_entetes`, then one line per row (its values in the columns' order), and a filter on
    the columns (`filtre`)."""
    classeur = Workbook()
    for rang, (titre, colonnes, lignes) in enumerate(feuilles):
        feuille = feuille_avec_entetes(classeur, titre, [(c.nom, c.largeur) for c in colonnes], nouvelle=rang > 0)
        for r, ligne in enumerate(lignes, 2):
            for c, (colonne, valeur) in enumerate(zip(colonnes, ligne, strict=True), 1):
                _ecrire(feuille.cell(row=r, column=c), colonne.nature, valeur)
        if filtre:
            feuille.auto_filter.ref = feuille.dimensions
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()
