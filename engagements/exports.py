"""Exports of the annexe financière: each takes the Annexe object and returns bytes."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter

from noyau.classeurs import (
    BORDURE,
    cellule_formule,
    cellule_montant,
    cellule_texte,
    feuille_avec_entetes,
    fusionner,
    mise_en_page,
    style,
)

from . import impression

# -- PDF -----------------------------------------------------------------


def annexe_pdf(annexe, edition):
    return impression.annexe_pdf(annexe, edition)


# -- Excel ---------------------------------------------------------------

LARGEURS = [22, 30, 36, 14, 40, 32, 18, 44, 18]
COL_ANNUEL, COL_PLURI = 7, 9


def _ligne(ws, r, estimation):
    dispositif = estimation.dispositif
    cellule_texte(ws.cell(r, 4), dispositif.partenaire.sigle)
    cellule_texte(ws.cell(r, 5), dispositif.libelle)
    cellule_texte(ws.cell(r, 6), dispositif.unite_compte)
    cellule_montant(ws.cell(r, COL_ANNUEL), estimation.montant_annuel)
    cellule_texte(ws.cell(r, 8), estimation.remarques)
    cellule_montant(ws.cell(r, COL_PLURI), estimation.montant_pluriannuel)


def _sans_cadre(cellule, texte, **police):
    """A line of the title block or of the notes: text outside the table, without its border."""
    cellule_texte(cellule, texte)
    cellule.border, cellule.alignment = Border(), Alignment()
    if police:
        cellule.font = Font(**police)


VERSION_DE_TRAVAIL = "Version de travail — contributions non encore toutes validées"


def _titre(ws, annexe):
    """The title block, as on the signed annexe; returns the row of the column headings."""
    titre = ["ANNEXE FINANCIÈRE", annexe.contrat.nom, annexe.titre, *annexe.entete]
    if annexe.version_de_travail:  # as on the PDF: a year not fully validated is not the signed annexe
        titre.append(VERSION_DE_TRAVAIL)
    for i, texte in enumerate(titre, 1):
        _sans_cadre(ws.cell(i, 1), texte, bold=i <= 3 or texte == VERSION_DE_TRAVAIL, size=14 if i == 1 else 11)
    ligne_entete = len(titre) + 2
    for c, colonne in enumerate(annexe.colonnes, 1):
        cellule = ws.cell(ligne_entete, c, colonne)
        cellule.font = Font(bold=True)
        cellule.fill = PatternFill("solid", fgColor="DDE5F5")
        cellule.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cellule.border = BORDURE
    return ligne_entete


def _groupes(ws, r, rang):
    """The merged cells a line opens: its pilier, its orientation, its group of objectifs."""
    if rang.pilier:
        cellule_texte(ws.cell(r, 1), rang.pilier.pilier.libelle)
        fusionner(ws, r, 1, r + rang.pilier_rowspan - 1, 2 if rang.pilier.pilier.transversal else 1)
    if rang.orientation and not rang.orientation.transversal:
        cellule_texte(ws.cell(r, 2), rang.orientation.orientation.libelle)
        if rang.orientation_rowspan > 1:
            fusionner(ws, r, 2, r + rang.orientation_rowspan - 1, 2)
    if rang.groupe:
        cellule_texte(ws.cell(r, 3), "\n".join(o.libelle for o in rang.groupe.objectifs))
        if rang.groupe_rowspan > 1:
            fusionner(ws, r, 3, r + rang.groupe_rowspan - 1, 3)


def _total(ws, r, libelle, formule, centimes):
    """A subtotal or total row: its label over the text columns, a SUM for each amount column."""
    cellule_texte(ws.cell(r, 1), libelle)
    ws.cell(r, 1).font = Font(bold=True)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
    for col in (COL_ANNUEL, COL_PLURI):
        cellule_formule(ws.cell(r, col), formule(get_column_letter(col)), centimes)


def _corps(ws, annexe, ligne_entete):
    """The rows of the table, subtotals and total as formulas; returns the last row written."""
    r = ligne_entete
    centimes = any(
        m is not None and m != m.to_integral_value()
        for e in annexe.estimations
        for m in (e.montant_annuel, e.montant_pluriannuel)
    )
    debut_pilier, cellules_sous_totaux, lignes_hors_pilier = None, [], []
    for rang in annexe.rangs():
        r += 1
        if rang.nature == "ligne":
            if rang.pilier:
                debut_pilier = r
            _groupes(ws, r, rang)
            if rang.ligne:
                _ligne(ws, r, rang.ligne)
            else:
                for c in range(4, 10):
                    style(ws.cell(r, c), "texte")
        elif rang.nature == "sous_total":
            debut = debut_pilier
            _total(
                ws, r, f"Sous-total {rang.pilier.pilier.libelle}", lambda x: f"=SUM({x}{debut}:{x}{r - 1})", centimes
            )
            cellules_sous_totaux.append(r)
        elif rang.nature == "hors_pilier":
            _ligne(ws, r, rang.ligne)
            lignes_hors_pilier.append(r)
        else:
            termes = cellules_sous_totaux + lignes_hors_pilier

            def somme(x):
                return f"=SUM({','.join(f'{x}{n}' for n in termes)})" if termes else "=0"

            _total(ws, r, annexe.libelle_total, somme, centimes)
    return r


def annexe_xlsx(annexe, edition):
    wb = Workbook()
    ws = wb.active
    ws.title = f"Annexe {annexe.annee}"
    ligne_entete = _titre(ws, annexe)
    r = _corps(ws, annexe, ligne_entete) + 2
    for note in annexe.notes:
        _sans_cadre(ws.cell(r, 1), note)
        r += 1
    cellule_texte(ws.cell(r + 1, 1), f"Édité le {edition:%d/%m/%Y}")
    ws.cell(r + 1, 1).border = Border()

    for c, largeur in enumerate(LARGEURS, 1):
        ws.column_dimensions[get_column_letter(c)].width = largeur
    ws.freeze_panes = ws.cell(ligne_entete + 1, 1)
    # No autofilter: the sheet is the printed layout, with merged cells and subtotal rows a filter would
    # cut through; the lists' workbooks (/estimations/export.xlsx) are the ones to filter.
    ws.print_title_rows = f"{ligne_entete}:{ligne_entete}"
    mise_en_page(ws)
    ws.oddFooter.left.text = annexe.contrat.nom.replace("&", "&&")
    if annexe.recapitulatif:
        _recapitulatif(wb, annexe)
    _identifiants(wb, annexe)
    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue()


def _identifiants(wb, annexe):
    """Each line of the annexe with its stable identifiers, on a sheet of its own (the first keeps the layout
    the signatories know): contract, dispositif, organisation and its SIREN, year — the keys that put the
    figures of several instances together."""
    ws = feuille_avec_entetes(
        wb,
        "Identifiants",
        [
            ("Identifiant du contrat", 24),
            ("Identifiant du dispositif", 24),
            ("Identifiant de l'organisation", 24),
            ("SIREN", 12),
            ("Année", 8),
            ("Montant annuel (€)", 18),
            ("Montant pluriannuel (€)", 18),
        ],
        nouvelle=True,
    )
    for r, e in enumerate(annexe.estimations, 2):
        valeurs = [annexe.contrat.slug, e.dispositif.code, e.partenaire.slug, e.partenaire.siren]
        for c, valeur in enumerate(valeurs, 1):
            cellule_texte(ws.cell(r, c), valeur)
        ws.cell(r, 5).value = e.annee
        cellule_montant(ws.cell(r, 6), e.montant_annuel)
        cellule_montant(ws.cell(r, 7), e.montant_pluriannuel)


def _recapitulatif(wb, annexe):
    """Every partner the annexe owes an answer for, on a sheet of its own: a partner that sent
    nothing is written « Non transmis », never left out."""
    ws = feuille_avec_entetes(
        wb,
        "Partenaires",
        [
            ("Partenaire", 45),
            ("Lignes", 10),
            (f"Total annuel {annexe.annee}", 20),
            ("Total pluriannuel", 20),
            ("Contribution", 25),
        ],
        nouvelle=True,
    )
    for r, ligne in enumerate(annexe.recapitulatif, 2):
        cellule_texte(ws.cell(r, 1), ligne.partenaire.nom)
        ws.cell(r, 2, ligne.lignes)
        cellule_montant(ws.cell(r, 3), ligne.total_annuel)
        cellule_montant(ws.cell(r, 4), ligne.total_pluriannuel)
        cellule_texte(ws.cell(r, 5), ligne.situation)
