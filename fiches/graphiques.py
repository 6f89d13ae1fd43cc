"""A small SVG of an indicator, drawn on the server: measured bars per year, target and baseline as lines."""

from dataclasses import dataclass
from decimal import Decimal

LARGEUR, HAUTEUR, MARGE_BAS, MARGE_GAUCHE = 320, 120, 18, 8


@dataclass
class Barre:
    annee: int
    valeur: Decimal | None
    x: int = 0
    y: int = 0
    hauteur: int = 0


def graphique(indicateur, annees):
    mesures = {m.annee: m.valeur for m in indicateur.mesures.all()}
    valeurs = [v for v in mesures.values() if v is not None]
    reperes = [v for v in (indicateur.cible, indicateur.valeur_reference) if v is not None]
    if not valeurs:
        return None  # nothing measured yet: the page says so in words
    maximum = max([*valeurs, *reperes, Decimal(0)])
    minimum = min([*valeurs, *reperes, Decimal(0)])
    etendue = (maximum - minimum) or Decimal(1)
    zone = HAUTEUR - MARGE_BAS

    def y(valeur):
        return int(zone - (valeur - minimum) * (zone - 10) / etendue)

    pas = (LARGEUR - MARGE_GAUCHE) // max(len(annees), 1)
    barres = []
    for i, annee in enumerate(annees):
        valeur = mesures.get(annee)
        barre = Barre(annee, valeur, x=MARGE_GAUCHE + i * pas + pas // 4)
        if valeur is not None:
            haut, bas = sorted((y(valeur), y(Decimal(0))))
            barre.y, barre.hauteur = haut, max(bas - haut, 1)
        barres.append(barre)
    return {
        "barres": barres,
        "largeur_barre": max(pas // 2, 4),
        "largeur": LARGEUR,
        "hauteur": HAUTEUR,
        "y_texte": HAUTEUR - 4,
        "decalage_texte": max(pas // 4, 2),
        "cible": y(indicateur.cible) if indicateur.cible is not None else None,
        "reference": y(indicateur.valeur_reference) if indicateur.valeur_reference is not None else None,
    }
