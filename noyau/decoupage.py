"""A long table with merged cells, cut into pages here rather than by WeasyPrint.

WeasyPrint cannot split a merged cell (rowspan) at a page break: a cell spanning rows of two pages
runs below the table, and the next page shows an empty column. So each page is a table of its own
whose merged cells end on it, and a page that goes on with a group repeats its label followed by
« (suite) ».

Where to cut comes from the rows' heights, counted from the font (`noyau.typographie`) and from a
small calibration render of the same template (line height, title block, header row). The
laid-out document is then checked: when a page's table did not hold on its page, the table is cut
again with less room, so that what prints is right even when a count was not."""

import logging
from dataclasses import dataclass, field

from . import pdf

logger = logging.getLogger(__name__)

PX_PAR_MM = 96 / 25.4
PT_PAR_MM = 72 / 25.4
# Pango places glyphs on a grid of its own and measures a little wider than the font's advances
# add up to: a text is counted in a column narrower by this share.
JEU = 0.97
PLACE = (1.0, 0.9, 0.75)  # the share of the page's height a plan uses, at each attempt


@dataclass(frozen=True)
class Gabarit:
    """The page and the table's columns (widths in thousandths of the table's width)."""

    largeurs: tuple
    page_mm: tuple = (297, 210)  # A4 landscape
    marges_mm: tuple = (12, 10, 14, 10)  # top, right, bottom, left
    cellule_mm: float = 2 + 0.5 / PT_PAR_MM  # padding 1 mm each side, half of each 0.5 pt border

    def largeur_pt(self, premiere, nombre=1):
        """The width for text of a cell over `nombre` columns from the `premiere` (0-based)."""
        table_mm = self.page_mm[0] - self.marges_mm[1] - self.marges_mm[3]
        return (table_mm * sum(self.largeurs[premiere : premiere + nombre]) / 1000 - self.cellule_mm) * PT_PAR_MM * JEU

    @property
    def colonnes_css(self):
        return [f"{largeur / 10:g}%" for largeur in self.largeurs]

    @property
    def taille_css(self):
        return f"{self.page_mm[0]}mm {self.page_mm[1]}mm"

    @property
    def marges_css(self):
        return " ".join(f"{marge}mm" for marge in self.marges_mm)

    @property
    def bas_px(self):
        return (self.page_mm[1] - self.marges_mm[2]) * PX_PAR_MM


@dataclass
class Case:
    """A merged cell as printed on one page."""

    colonne: str
    lignes: list
    rowspan: int = 1
    colspan: int = 1
    suite: bool = False


@dataclass
class RangImprime:
    """A row of one page, the merged cells that start on it, and an id for the first and last."""

    rang: object
    cases: list = field(default_factory=list)
    ancre: str = ""


@dataclass
class RangMesure:
    """A row to print (`objet`, the caller's own row): its own height, and the group it belongs to in each merged column
    (an object the same for all the rows of a group) with the columns whose group starts here."""

    objet: object
    hauteur: float
    groupes: dict
    premiers: set


def planifier(rangs, hauteur_case, premiere_px, suite_px):
    """[(start, end)] of the rows of each page, no page higher than given. WeasyPrint makes a row
    as high as its highest cell, and a merged cell ending at a row makes that row reach the merged
    cell's bottom. The merged cells still open at the foot of a page end there.
    `hauteur_case(colonne, groupe, suite)` is the height a merged cell needs."""
    pages, debut, n = [], 0, len(rangs)
    while debut < n:
        place = premiere_px if not pages else suite_px
        y, ouvertes, fin = 0.0, {}, debut
        while fin < n:
            rang = rangs[fin]
            ouvertes = {c: v for c, v in ouvertes.items() if c in rang.groupes}
            for colonne, groupe in rang.groupes.items():
                if fin == debut or colonne in rang.premiers:
                    suite = fin == debut and colonne not in rang.premiers
                    ouvertes[colonne] = (y, hauteur_case(colonne, groupe, suite))
            bas = y + rang.hauteur
            suivant = rangs[fin + 1].groupes if fin + 1 < n else {}
            for colonne in [c for c in ouvertes if suivant.get(c) is not rang.groupes[c]]:
                depart, hauteur = ouvertes.pop(colonne)
                bas = max(bas, depart + hauteur)
            pied = max([bas] + [depart + hauteur for depart, hauteur in ouvertes.values()])
            if pied > place and fin > debut:
                break
            y, fin = bas, fin + 1
        pages.append((debut, fin))
        debut = fin
    return pages


def feuille(rangs, debut, fin, libelles, colspan=lambda colonne, groupe: 1):
    """The rows of one page with the merged cells that start on them, the first and last row
    anchored (`r<index>`) so that the laid-out document tells on which page each landed."""
    imprimes = []
    for i in range(debut, fin):
        rang = rangs[i]
        cases = []
        for colonne, groupe in rang.groupes.items():
            if i != debut and colonne not in rang.premiers:
                continue
            etendue = 1
            while i + etendue < fin and rangs[i + etendue].groupes.get(colonne) is groupe:
                etendue += 1
            cases.append(
                Case(
                    colonne,
                    libelles(colonne, groupe),
                    etendue,
                    colspan(colonne, groupe),
                    suite=i == debut and colonne not in rang.premiers,
                )
            )
        imprimes.append(RangImprime(rang.objet, cases, f"r{i}" if i in (debut, fin - 1) else ""))
    return imprimes


def etalonner(document, gabarit):
    """(line height, a row's padding and borders, room for rows on the first page, on the next ones),
    in CSS px, from a render whose rows `e1` (one line) and `e3` (three lines) open the first page
    and `s1` the second."""
    ancres = {nom: rect for page in document.pages for nom, rect in page.anchors.items()}
    une, trois = ancres["e1"][3] - ancres["e1"][1], ancres["e3"][3] - ancres["e3"][1]
    ligne = (trois - une) / 2
    return ligne, une - ligne, gabarit.bas_px - ancres["e1"][1], gabarit.bas_px - ancres["s1"][1]


def tenues(document, plan):
    """Whether each planned page's table was laid out on a page of its own."""
    pages = {}
    for numero, page in enumerate(document.pages):
        for nom in page.anchors:
            pages.setdefault(nom, numero)
    return all(pages.get(f"r{debut}") == k == pages.get(f"r{fin - 1}") for k, (debut, fin) in enumerate(plan))


def imprimer(rangs, hauteur_case, etalonnage, html_des_feuilles, libelles, colspan, nom):
    """The PDF of a table cut into pages. `etalonnage` is (line height, padding, room on the first
    page, on the next ones); `html_des_feuilles(feuilles)` the HTML of the pages' tables."""
    _, _, premiere, suite = etalonnage
    for essai, part in enumerate(PLACE, 1):
        plan = planifier(rangs, hauteur_case, premiere * part, suite * part)
        document = pdf.mettre_en_page(html_des_feuilles([feuille(rangs, d, f, libelles, colspan) for d, f in plan]))
        if tenues(document, plan):
            break
        logger.warning("%s : une page ne tient pas (essai %s), nouveau découpage avec moins de place.", nom, essai)
    return document.write_pdf()
