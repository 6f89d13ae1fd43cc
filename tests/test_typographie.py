"""The line counts the annexe's pages are cut from never fall short of what WeasyPrint lays out:
a page planned from them is not overfull."""

from html import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from noyau import decoupage, pdf
from noyau.typographie import Mesure

from .test_impression import _boites

MOTS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzéèàçôÉÈÀ0123456789’'-/().,:;€%° \u00a0\u202fMWQ", min_size=1, max_size=40
)


def lignes_posees(texte, largeur_pt, gras, retours):
    from weasyprint.formatting_structure.boxes import LineBox, TableCellBox

    style = (
        "font-family: 'DejaVu Sans'; font-size: 7pt; padding: 0; overflow-wrap: anywhere;"
        f"width: {largeur_pt}pt; font-weight: {'bold' if gras else 'normal'};"
        f"{'white-space: pre-line;' if retours else ''}"
    )
    html = (
        f'<html lang="fr"><body><table style="border-collapse: collapse; table-layout: fixed; width: {largeur_pt}pt">'
        f'<tr><td style="{style}">{escape(texte)}</td></tr></table></body></html>'
    )
    document = pdf.mettre_en_page(html)
    cellule = next(_boites(document.pages[0]._page_box, TableCellBox))
    return sum(1 for _ in _boites(cellule, LineBox))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mots=st.lists(MOTS, min_size=1, max_size=25),
    largeur=st.integers(40, 130),
    gras=st.booleans(),
    retours=st.booleans(),
)
def test_the_count_is_never_short_of_the_laid_out_lines(mots, largeur, gras, retours):
    texte = ("\n" if retours else " ").join(mots)
    compte = Mesure("DejaVu Sans", 7, gras=gras).lignes(texte, largeur * decoupage.JEU, retours=retours)
    assert lignes_posees(texte, largeur, gras, retours) <= compte


@pytest.mark.parametrize(
    "mot",
    [
        "TERRITORIALISATION",
        "RENOUVELLEMENT",
        "intercommunalité",
        "accompagnement",
        "PROGRAMME DE RÉNOVATION URBAINE",
        "SPEL/IAE/Entreprises",
        "Maison-de-la-Justice",
    ],
)
@pytest.mark.parametrize("largeur", [30, 45, 60])
def test_long_french_words_cut_at_their_syllables(mot, largeur):
    mesure = Mesure("DejaVu Sans", 7, gras=True)
    coupe = mesure.cesures(mot, largeur * decoupage.JEU)
    assert lignes_posees(coupe, largeur, True, True) <= mesure.lignes(coupe, largeur * decoupage.JEU, retours=True)


def test_known_counts():
    mesure = Mesure("DejaVu Sans", 7)
    assert mesure.lignes("", 100) == 1
    assert mesure.lignes("Accès aux droits", 200) == 1
    assert mesure.lignes("Accès aux droits", mesure.largeur("Accès aux")) == 2
    assert mesure.lignes("un\ndeux", 200, retours=True) == 2 and mesure.lignes("un\ndeux", 200) == 1
    # Non-breaking spaces hold an amount together; a word wider than the column is cut.
    montant = "1\u202f234\u202f567\u00a0€"
    assert mesure.lignes(f"total {montant}", mesure.largeur(montant) + 1) == 2
    assert mesure.lignes("TERRITORIALISATION", mesure.largeur("TERRI")) >= 4
    # Only a word wider than the column is cut, on lines of its own, at its syllables.
    largeur = mesure.largeur("TERRITO-")
    premiere, *coupes = mesure.cesures("LA TERRITORIALISATION", largeur).split("\n")
    assert premiere == "LA " and len(coupes) >= 3 and "".join(coupes).replace("-", "") == "TERRITORIALISATION"
    assert all(c.endswith("-") for c in coupes[:-1]) and all(mesure.largeur(c) <= largeur for c in coupes)
    assert mesure.cesures("LA TERRITORIALISATION", mesure.largeur("TERRITORIALISATION")) == "LA TERRITORIALISATION"
