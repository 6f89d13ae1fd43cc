"""Reads an HTML table into a grid, resolving rowspan and colspan, as a reader sees it."""

from decimal import Decimal
from html.parser import HTMLParser


class _Lecteur(HTMLParser):
    def __init__(self, classe):
        super().__init__()
        self.classe = classe
        self.dans_table = False
        self.profondeur = 0
        self.section = None
        self.rangs = []  # [(section, classes, [(texte, rowspan, colspan, attrs)])]
        self.cellule = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and not self.dans_table and self.classe in (attrs.get("class") or "").split():
            self.dans_table = True
            return
        if not self.dans_table:
            return
        if tag in ("thead", "tbody"):
            self.section = tag
        elif tag == "tr":
            self.rangs.append((self.section, (attrs.get("class") or "").split(), []))
        elif tag in ("td", "th"):
            self.cellule = {
                "texte": "",
                "rowspan": int(attrs.get("rowspan", 1)),
                "colspan": int(attrs.get("colspan", 1)),
                "attrs": attrs,
                "liens": [],
            }
        elif tag == "a" and self.cellule is not None:
            self.cellule["liens"].append(attrs.get("href"))
        elif tag == "br" and self.cellule is not None:
            self.cellule["texte"] += "\n"

    def handle_endtag(self, tag):
        if not self.dans_table:
            return
        if tag in ("td", "th") and self.cellule is not None:
            self.cellule["texte"] = self.cellule["texte"].strip()
            self.rangs[-1][2].append(self.cellule)
            self.cellule = None
        elif tag == "table":
            self.dans_table = False

    def handle_data(self, data):
        if self.cellule is not None:
            self.cellule["texte"] += data


def grille(html, classe="annexe"):
    """Rows of the table as (section, classes, cells), each cell placed in its column; a
    spanned position holds the same cell object as the one that spans it."""
    lecteur = _Lecteur(classe)
    lecteur.feed(html)
    occupes = {}
    resultat = []
    for r, (section, classes, cellules) in enumerate(lecteur.rangs):
        ligne = {}
        c = 0
        for cellule in cellules:
            while (r, c) in occupes:
                c += 1
            for dr in range(cellule["rowspan"]):
                for dc in range(cellule["colspan"]):
                    occupes[(r + dr, c + dc)] = cellule
            c += cellule["colspan"]
        largeur = max((col for (row, col) in occupes if row == r), default=-1) + 1
        ligne = [occupes.get((r, col)) for col in range(largeur)]
        resultat.append((section, classes, ligne))
    return resultat


def montant(texte):
    """'12 100 000 €' -> Decimal('12100000'); '' -> None."""
    texte = texte.replace("€", "").replace(" ", "").replace("\u00a0", "").replace(",", ".").strip()
    return Decimal(texte) if texte else None
