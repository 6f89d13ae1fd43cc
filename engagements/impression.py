"""The annexe PDF: its table cut into pages by `noyau.decoupage`, so that the PILIER, ORIENTATIONS
and OBJECTIFS cells end on each page and a page that goes on with one names it again « (suite) »."""

import functools
from types import SimpleNamespace

from django.template.loader import render_to_string

from noyau import decoupage, pdf
from noyau.typographie import Mesure

from .annexe import Rang

GABARIT = "engagements/annexe_pdf.html"
# The columns' widths in thousandths of the table: the template sets them from here, and the counts use them.
PAGE = decoupage.Gabarit(largeurs=(80, 100, 120, 80, 170, 100, 95, 160, 95))
# The table's font and size (pt): the template's CSS and the text measure read them from here.
POLICE, TAILLE = "DejaVu Sans", 7
COLONNES = {"pilier": 0, "orientation": 1, "groupe": 2}


def _libelles(colonne, bloc):
    if colonne == "pilier":
        return [bloc.pilier.libelle]
    if colonne == "orientation":
        return [bloc.orientation.libelle]
    return [objectif.libelle for objectif in bloc.objectifs]


def _largeur(colonne, bloc):
    return PAGE.largeur_pt(COLONNES[colonne], _colspan(colonne, bloc))


def _colspan(colonne, bloc):
    return 2 if colonne == "pilier" and bloc.pilier.transversal else 1  # no orientation column then


class _Hauteurs:
    """Heights in CSS px of the annexe's rows and merged cells, counted from the font."""

    def __init__(self, etalonnage, libelle_total):
        self.ligne, self.fond = etalonnage[:2]
        self.libelle_total = libelle_total
        self.normal = Mesure(POLICE, TAILLE)
        self.gras = Mesure(POLICE, TAILLE, gras=True)
        self._cases = {}

    def _hauteur(self, lignes):
        return self.fond + self.ligne * lignes

    def rang(self, rang):
        if rang.nature == "total":
            return self._hauteur(self.gras.lignes(self.libelle_total, PAGE.largeur_pt(0, 6)))
        if rang.nature == "sous_total":
            return self._hauteur(self.gras.lignes(f"Sous-total {rang.pilier.pilier.libelle}", PAGE.largeur_pt(0, 6)))
        lignes = self.gras.lignes("Hors pilier", PAGE.largeur_pt(0, 3)) if rang.nature == "hors_pilier" else 1
        if rang.ligne is not None:
            dispositif = rang.ligne.dispositif
            lignes = max(
                lignes,
                self.normal.lignes(dispositif.partenaire.sigle, PAGE.largeur_pt(3)),
                self.normal.lignes(dispositif.libelle, PAGE.largeur_pt(4)),
                self.normal.lignes(dispositif.unite_compte, PAGE.largeur_pt(5)),
                self.normal.lignes(rang.ligne.remarques, PAGE.largeur_pt(7), retours=True),
            )
        return self._hauteur(lignes)

    def case(self, colonne, bloc, suite):
        cle = (colonne, id(bloc), suite)
        if cle not in self._cases:
            texte = "\n".join(self.libelles(colonne, bloc)) + (" (suite)" if suite else "")
            self._cases[cle] = self._hauteur(self.gras.lignes(texte, _largeur(colonne, bloc), retours=True))
        return self._cases[cle]

    def libelles(self, colonne, bloc):
        """The labels as printed: a word wider than the column is cut at its syllables."""
        return [self.gras.cesures(libelle, _largeur(colonne, bloc)) for libelle in _libelles(colonne, bloc)]


def _rangs(annexe, hauteurs):
    """The annexe's rows with the pilier, orientation and group of objectifs each belongs to."""
    rangs, courants = [], {}
    for rang in annexe.rangs():
        premiers = set()
        if rang.nature == "ligne":
            for colonne, bloc in (("pilier", rang.pilier), ("orientation", rang.orientation), ("groupe", rang.groupe)):
                if bloc is not None:  # the first row of this group
                    courants[colonne] = bloc
                    premiers.add(colonne)
        groupes = dict(courants) if rang.nature == "ligne" else {}
        if groupes.get("orientation") is not None and groupes["orientation"].transversal:
            del groupes["orientation"]  # the transversal pilier's cell spans this column
        rangs.append(decoupage.RangMesure(rang, hauteurs.rang(rang), groupes, premiers))
    return rangs


def _html(annexe, edition, feuilles, etalonnage=False):
    return render_to_string(
        GABARIT,
        {
            "annexe": annexe,
            "edition": edition,
            "feuilles": feuilles,
            "colonnes_css": PAGE.colonnes_css,
            "taille": PAGE.taille_css,
            "marges": PAGE.marges_css,
            "police": POLICE,
            "taille_police": f"{TAILLE}pt",
            "etalonnage": etalonnage,
        },
    )


def _etalonner(annexe, edition):
    """The same template, its title block and header, with sample rows of one and three lines."""
    exemple = SimpleNamespace(
        dispositif=SimpleNamespace(partenaire=SimpleNamespace(sigle="x"), libelle="x", unite_compte="x"),
        montant_annuel=None,
        montant_pluriannuel=None,
        remarques="x",
    )
    sur_trois = SimpleNamespace(**{**vars(exemple), "remarques": "x\nx\nx"})
    feuilles = [
        [
            decoupage.RangImprime(Rang("ligne", ligne=exemple), ancre="e1"),
            decoupage.RangImprime(Rang("ligne", ligne=sur_trois), ancre="e3"),
        ],
        [decoupage.RangImprime(Rang("ligne", ligne=exemple), ancre="s1")],
    ]
    return _etalonnage_de(_html(annexe, edition, feuilles, etalonnage=True))


@functools.lru_cache(maxsize=64)
def _etalonnage_de(html):
    # The layout of the same HTML is the same: a title block already measured in this process is not laid
    # out again (an annexe asked twice, each partner's annexe of a contract).
    return decoupage.etalonner(pdf.mettre_en_page(html), PAGE)


def annexe_pdf(annexe, edition):
    with pdf.sans_ramasse_miettes():
        etalonnage = _etalonner(annexe, edition)
        hauteurs = _Hauteurs(etalonnage, annexe.libelle_total)
        return decoupage.imprimer(
            _rangs(annexe, hauteurs),
            hauteurs.case,
            etalonnage,
            lambda feuilles: _html(annexe, edition, feuilles),
            hauteurs.libelles,
            _colspan,
            f"Annexe {annexe.contrat.slug} {annexe.annee}",
        )
