"""Horizontal bars in pairs (two amounts of one label, such as planned and done), laid out on the
server for a template to draw as SVG: readable without JavaScript, printable."""

from dataclasses import dataclass


@dataclass
class Paire:
    libelle: str
    objet: object  # what the template reads its amounts and words from
    premiere: int = 0  # widths in SVG units
    seconde: int = 0
    y: int = 0


def paires(rangs, largeur=420, pas=48):
    """`rangs`: [(label, first amount, second amount, object)]; None is drawn as no bar."""
    barres, montants = [], []
    for libelle, premier, second, objet in rangs:
        barres.append(Paire(libelle, objet))
        montants.append((premier, second))
    maximum = max((m for paire in montants for m in paire if m), default=None)
    for i, (barre, (premier, second)) in enumerate(zip(barres, montants)):
        barre.y = i * pas
        if maximum:
            barre.premiere = int(largeur * (premier or 0) / maximum)
            barre.seconde = int(largeur * (second or 0) / maximum)
    return {"barres": barres, "hauteur": max(len(barres) * pas, pas), "largeur": largeur}
