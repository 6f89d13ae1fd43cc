"""Exports of the annexe financière: each takes the Annexe object and returns bytes."""

import gc
import io
from decimal import Decimal

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange

# -- PDF -----------------------------------------------------------------


def _pdf_fetcher():
    from weasyprint.urls import URLFetcher

    class SansRessourceExterne(URLFetcher):
        # The PDF is built from our own template and inline CSS: nothing, and
        # certainly nothing a user typed, may make WeasyPrint read a file or the network.
        def fetch(self, url, headers=None):
            raise ValueError(f"Ressource externe refusée : {url}")

    return SansRessourceExterne()


def html_en_pdf(html):
    """Every PDF of the application: our own HTML, no external resource."""
    from weasyprint import HTML

    # The layout makes millions of small objects that all live until the end: the cyclic
    # garbage collector would walk them again and again for nothing (a quarter of the time
    # of a 2 000-line annexe, make bench). It is paused for the render only.
    actif = gc.isenabled()
    gc.disable()
    try:
        return HTML(string=html, base_url=None, url_fetcher=_pdf_fetcher()).write_pdf()
    finally:
        if actif:
            gc.enable()


def annexe_pdf(annexe, edition):
    return html_en_pdf(render_to_string("engagements/annexe_pdf.html", {"annexe": annexe, "edition": edition}))


# -- Excel ---------------------------------------------------------------

LARGEURS = [22, 30, 36, 14, 40, 32, 18, 44, 18]
FORMULE_DEBUT = ("=", "+", "-", "@")
FORMAT_EUROS = '#,##0 "€"'
FORMAT_EUROS_CENTIMES = '#,##0.00 "€"'
COL_ANNUEL, COL_PLURI = 7, 9

fin = Side(style="thin", color="999999")
BORDURE = Border(left=fin, right=fin, top=fin, bottom=fin)
ENVELOPPE = Alignment(wrap_text=True, vertical="top")


# The styles of the body cells, registered once per workbook: giving each of thousands of
# cells its own Alignment and Border objects is what made a 2 000-line export slow (make bench).
STYLES = {
    "texte": dict(alignment=ENVELOPPE),
    "montant": dict(alignment=Alignment(horizontal="right", vertical="top"), number_format=FORMAT_EUROS),
    "montant centimes": dict(alignment=Alignment(horizontal="right", vertical="top"), number_format=FORMAT_EUROS_CENTIMES),
}


def _style(cellule, nom):
    classeur = cellule.parent.parent
    if nom not in classeur.named_styles:
        classeur.add_named_style(NamedStyle(name=nom, border=BORDURE, **STYLES[nom]))
    cellule.style = nom


def cellule_texte(cellule, valeur):
    """Writes text as text: a leading = + - @ never becomes a formula."""
    cellule.value = valeur or None
    _style(cellule, "texte")
    if valeur:
        cellule.data_type = "s"
        if valeur.startswith(FORMULE_DEBUT):
            cellule.quotePrefix = True


def feuille_avec_entetes(classeur, titre, colonnes):
    """The first sheet of a workbook with bold, frozen, printed-on-every-page headers: [(name, width)]."""
    feuille = classeur.active
    feuille.title = titre
    for i, (nom, largeur) in enumerate(colonnes, 1):
        cellule = feuille.cell(row=1, column=i, value=nom)
        cellule.font, cellule.border = Font(bold=True), BORDURE
        cellule.fill = PatternFill("solid", fgColor="DDE5F5")
        cellule.alignment = Alignment(wrap_text=True, vertical="top")
        feuille.column_dimensions[cellule.column_letter].width = largeur
    feuille.freeze_panes = "A2"
    feuille.print_title_rows = "1:1"
    return feuille


def _montant(cellule, valeur):
    """An amount as a number with a euro format; an unknown amount stays an empty cell."""
    centimes = valeur is not None and valeur != valeur.to_integral_value()
    _style(cellule, "montant centimes" if centimes else "montant")
    if valeur is not None:
        cellule.value = Decimal(valeur)


def _fusionner(ws, ligne, colonne, fin_ligne, fin_colonne):
    """Merges a range whose every cell has the bordered text style. openpyxl's merge_cells copies
    the first cell's borders onto each edge cell one object at a time: half the time of a
    2 000-line export (make bench); the cells styled at once give the same borders."""
    for r in range(ligne, fin_ligne + 1):
        for c in range(colonne, fin_colonne + 1):
            if (r, c) != (ligne, colonne):
                _style(ws.cell(r, c), "texte")
    ws.merged_cells.add(MergedCellRange(ws, f"{get_column_letter(colonne)}{ligne}:{get_column_letter(fin_colonne)}{fin_ligne}"))


def _formule(cellule, formule, centimes):
    cellule.value = formule
    cellule.number_format = FORMAT_EUROS_CENTIMES if centimes else FORMAT_EUROS
    cellule.font = Font(bold=True)
    cellule.alignment = Alignment(horizontal="right", vertical="top")
    cellule.border = BORDURE


def _ligne(ws, r, estimation):
    dispositif = estimation.dispositif
    cellule_texte(ws.cell(r, 4), dispositif.partenaire.sigle)
    cellule_texte(ws.cell(r, 5), dispositif.libelle)
    cellule_texte(ws.cell(r, 6), dispositif.unite_compte)
    _montant(ws.cell(r, COL_ANNUEL), estimation.montant_annuel)
    cellule_texte(ws.cell(r, 8), estimation.remarques)
    _montant(ws.cell(r, COL_PLURI), estimation.montant_pluriannuel)


def annexe_xlsx(annexe, edition):
    wb = Workbook()
    ws = wb.active
    ws.title = f"Annexe {annexe.annee}"

    # Title block, as on the signed annexe.
    titre = ["ANNEXE FINANCIÈRE", annexe.contrat.nom, annexe.titre, *annexe.entete]
    for i, texte in enumerate(titre, 1):
        cellule_texte(ws.cell(i, 1), texte)
        ws.cell(i, 1).border = Border()
        ws.cell(i, 1).alignment = Alignment()
        ws.cell(i, 1).font = Font(bold=i <= 3, size=14 if i == 1 else 11)
    ligne_entete = len(titre) + 2

    for c, colonne in enumerate(annexe.colonnes, 1):
        cellule = ws.cell(ligne_entete, c, colonne)
        cellule.font = Font(bold=True)
        cellule.fill = PatternFill("solid", fgColor="DDE5F5")
        cellule.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cellule.border = BORDURE

    r = ligne_entete
    centimes = any(
        m is not None and m != m.to_integral_value()
        for e in annexe.estimations
        for m in (e.montant_annuel, e.montant_pluriannuel)
    )
    debut_pilier = None
    cellules_sous_totaux = []
    lignes_hors_pilier = []
    for rang in annexe.rangs():
        r += 1
        if rang.nature == "ligne":
            if rang.pilier:
                debut_pilier = r
                cellule_texte(ws.cell(r, 1), rang.pilier.pilier.libelle)
                fin_col = 2 if rang.pilier.pilier.transversal else 1
                _fusionner(ws, r, 1, r + rang.pilier_rowspan - 1, fin_col)
            if rang.orientation and not rang.orientation.transversal:
                cellule_texte(ws.cell(r, 2), rang.orientation.orientation.libelle)
                if rang.orientation_rowspan > 1:
                    _fusionner(ws, r, 2, r + rang.orientation_rowspan - 1, 2)
            if rang.groupe:
                cellule_texte(ws.cell(r, 3), "\n".join(o.libelle for o in rang.groupe.objectifs))
                if rang.groupe_rowspan > 1:
                    _fusionner(ws, r, 3, r + rang.groupe_rowspan - 1, 3)
            if rang.ligne:
                _ligne(ws, r, rang.ligne)
            else:
                for c in range(4, 10):
                    _style(ws.cell(r, c), "texte")
        elif rang.nature == "sous_total":
            cellule_texte(ws.cell(r, 1), f"Sous-total {rang.pilier.pilier.libelle}")
            ws.cell(r, 1).font = Font(bold=True)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
            for col in (COL_ANNUEL, COL_PLURI):
                lettre = get_column_letter(col)
                _formule(ws.cell(r, col), f"=SUM({lettre}{debut_pilier}:{lettre}{r - 1})", centimes)
            cellules_sous_totaux.append(r)
        elif rang.nature == "hors_pilier":
            _ligne(ws, r, rang.ligne)
            lignes_hors_pilier.append(r)
        else:
            cellule_texte(ws.cell(r, 1), annexe.libelle_total)
            ws.cell(r, 1).font = Font(bold=True)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
            for col in (COL_ANNUEL, COL_PLURI):
                lettre = get_column_letter(col)
                termes = ",".join(f"{lettre}{x}" for x in cellules_sous_totaux + lignes_hors_pilier)
                _formule(ws.cell(r, col), f"=SUM({termes})" if termes else "=0", centimes)
    derniere = r

    r += 2
    for note in annexe.notes:
        cellule_texte(ws.cell(r, 1), note)
        ws.cell(r, 1).border = Border()
        ws.cell(r, 1).alignment = Alignment()
        r += 1
    cellule_texte(ws.cell(r + 1, 1), f"Édité le {edition:%d/%m/%Y}")
    ws.cell(r + 1, 1).border = Border()

    for c, largeur in enumerate(LARGEURS, 1):
        ws.column_dimensions[get_column_letter(c)].width = largeur
    ws.freeze_panes = ws.cell(ligne_entete + 1, 1)
    ws.auto_filter.ref = f"A{ligne_entete}:{get_column_letter(len(LARGEURS))}{derniere}"
    ws.print_title_rows = f"{ligne_entete}:{ligne_entete}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "Page &P / &N"
    ws.oddFooter.left.text = annexe.contrat.nom.replace("&", "&&")

    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue()
