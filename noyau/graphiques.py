"""Horizontal bars, one or two per label (an amount; or two amounts such as planned and done), laid
out on the server on one scale for a template to draw as SVG: readable without JavaScript, printable."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass
class Barre:
    libelle: str
    montant: Decimal | None
    largeur: int = 0  # in SVG units
    y: int = 0


@dataclass
class Paire:
    libelle: str
    objet: object  # what the template reads its amounts and words from
    premiere: int = 0  # widths in SVG units
    seconde: int = 0
    y: int = 0


def _echelle(montants, largeur):
    """The width of each amount, the largest taking the whole `largeur`; None or 0: no bar."""
    maximum = max((m for m in montants if m), default=None)
    return lambda montant: int(largeur * montant / maximum) if maximum and montant else 0


def barres(rangs, largeur=480, pas=28):
    """`rangs`: [Barre] (a label and its amount), one bar each."""
    largeur_de = _echelle([b.montant for b in rangs], largeur)
    for i, barre in enumerate(rangs):
        barre.y, barre.largeur = i * pas, largeur_de(barre.montant)
    return {"barres": rangs, "hauteur": max(len(rangs) * pas, pas), "largeur": largeur}


def paires(rangs, largeur=420, pas=48, echelle=None):
    """`rangs`: [(label, first amount, second amount, object)], two bars each. `echelle`: the amounts of every
    chart read side by side (the piliers' year by year), so that they share one scale: a 2 000 € bar is never
    as long as a 30 M€ one."""
    rangs = list(rangs)
    montants = [m for _, premier, second, _ in rangs for m in (premier, second)] if echelle is None else echelle
    largeur_de = _echelle(montants, largeur)
    resultat = [
        Paire(libelle, objet, largeur_de(premier), largeur_de(second), i * pas)
        for i, (libelle, premier, second, objet) in enumerate(rangs)
    ]
    return {"barres": resultat, "hauteur": max(len(resultat) * pas, pas), "largeur": largeur}
