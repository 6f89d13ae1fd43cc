"""How many lines a text takes in a column of a PDF, counted without laying it out: the advance
widths of the font's glyphs (read with fontTools), lines broken at spaces only.

Pango, which lays the PDF out, also breaks after hyphens and slashes and kerns pairs closer: it
never needs more lines than counted here, so a page planned with these counts is not overfull.
Whoever plans with them still checks the laid-out document (a font may be missing, or replaced)."""

import math
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

BLANCS = re.compile(r"[ \t\r\n\f]+")  # not the non-breaking spaces: they hold words together
MOTS = re.compile(r"[^ \t\r\n\f]+")
# No line breaks before a closing mark nor after an opening one, spaces or not (Unicode's line
# breaking rules, which Pango follows): « objectif : », « ( voir ) » hold together.
COLLES = re.compile(r"[ \t]+(?=[,.:;!?/»)\]}])|(?<=[(«\[{])[ \t]+")
COUPURES = re.compile(r"(?<=\W)")  # a line may end after a hyphen, a slash, a stop…
CHASSE_INCONNUE = 1.0  # em: a character the font lacks is drawn from another font, maybe wider


def _fichier_de_police(famille, gras):
    """The font file fontconfig picks for the family, as WeasyPrint's Pango does."""
    if not shutil.which("fc-match"):
        return None
    motif = f"{famille}:weight={'bold' if gras else 'regular'}"
    try:
        sortie = subprocess.run(
            ["fc-match", "--format=%{file}", motif], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    chemin = Path(sortie)
    return chemin if chemin.suffix.lower() in (".ttf", ".otf") and chemin.is_file() else None


@lru_cache(maxsize=8)
def chasses(famille, gras):
    """{character: advance width in em} of the font; empty when no font file is found."""
    chemin = _fichier_de_police(famille, gras)
    if chemin is None:
        return {}
    from fontTools.ttLib import TTFont

    police = TTFont(chemin, lazy=True)
    par_em = police["head"].unitsPerEm
    avances = police["hmtx"].metrics
    return {chr(code): avances[glyphe][0] / par_em for code, glyphe in police.getBestCmap().items()}


class Mesure:
    """A font at a size: the width of a text and the number of lines it takes in a width."""

    def __init__(self, famille, taille_pt, gras=False):
        self.taille = taille_pt
        self.chasses = chasses(famille, gras)
        self._mots = {}

    def largeur(self, texte):
        """Width in points, ligatures and kerning left out (they only narrow it)."""
        if texte not in self._mots:
            chasses = self.chasses
            self._mots[texte] = sum(chasses.get(c, CHASSE_INCONNUE) for c in texte) * self.taille
        return self._mots[texte]

    def lignes(self, texte, largeur_pt, retours=False):
        """Lines `texte` takes in a column `largeur_pt` wide. `retours`: its line breaks are kept
        (white-space: pre-line, or lines joined by <br>); otherwise they are spaces. A word wider
        than the column is taken as cut (hyphens: auto, overflow-wrap: anywhere), the last of its
        pieces filling its line."""
        paragraphes = texte.split("\n") if retours else [texte]
        espace = self.largeur(" ")
        total = 0
        for paragraphe in paragraphes:
            lignes, courant = 1, None
            for mot in BLANCS.split(COLLES.sub("\u00a0", paragraphe)):
                if not mot:
                    continue
                largeur = self.largeur(mot)
                if largeur > largeur_pt:
                    lignes += (courant is not None) + self._coupe(mot, largeur_pt) - 1
                    courant = largeur_pt
                    continue
                if courant is None:
                    courant = largeur
                elif courant + espace + largeur <= largeur_pt:
                    courant += espace + largeur
                else:
                    lignes, courant = lignes + 1, largeur
            total += lignes
        return max(total, 1)

    def cesures(self, texte, largeur_pt, langue="fr"):
        """The text with each word wider than the column on lines of its own, cut at its syllables
        with a hyphen (« TERRITORIALI- / SATION »): its line breaks are then the text's own, and
        counted exactly. (WeasyPrint's soft hyphens and hyphens: auto cut ordinary words too, or
        drop the hyphen.)"""
        import pyphen

        dictionnaire = pyphen.Pyphen(lang=langue)

        def couper(trouve):
            mot = trouve.group()
            if self.largeur(mot) <= largeur_pt:
                return mot
            positions = [0, *dictionnaire.positions(mot), len(mot)]
            morceaux, courant = [], ""
            for syllabe in (mot[a:b] for a, b in zip(positions, positions[1:])):
                if courant and self.largeur(courant + syllabe + "-") > largeur_pt:
                    morceaux.append(courant + "-")
                    courant = ""
                courant += syllabe
            morceaux.append(courant)
            return ("\n" if trouve.start() else "") + "\n".join(morceaux)

        return MOTS.sub(couper, texte)

    def _coupe(self, mot, largeur_pt):
        """Lines of a word wider than the column: first cut after its hyphens, slashes and stops, as Pango
        does, then each piece still too wide in pieces of at least half the column (hyphenation cuts
        where the syllables allow)."""
        return sum(
            max(1, math.ceil(self.largeur(morceau) / (largeur_pt * 0.5))) for morceau in COUPURES.split(mot) if morceau
        )
