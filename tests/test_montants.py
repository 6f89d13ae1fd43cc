import ast
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from contrat.models import Contrat
from engagements.annexe import Annexe, somme
from engagements.models import Estimation
from noyau.montants import euros

from .grille import montant

montants = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False)


@given(montants)
def test_the_french_format_gives_back_the_amount(valeur):
    texte = euros(valeur)
    assert texte.endswith(" €")
    assert "." not in texte
    assert montant(texte) == valeur


def test_the_french_format_of_the_seed():
    assert euros(Decimal("12100000")) == "12 100 000 €"
    assert euros(Decimal("1234.5")) == "1 234,50 €"
    assert euros(Decimal("650.00")) == "650 €"
    assert euros(None) == ""
    assert euros(Decimal("0")) == "0 €"  # a known zero is printed; only unknown is blank


def test_a_sum_of_unknown_amounts_is_unknown_not_zero():
    assert somme([None, None]) is None
    assert somme([]) is None
    assert somme([None, Decimal("2.10"), Decimal("0.20")]) == Decimal("2.30")


def test_amounts_and_totals_are_decimals(conventions):
    estimation = Estimation.objects.exclude(montant_annuel=None).first()
    assert isinstance(estimation.montant_annuel, Decimal)
    annexe = Annexe(Contrat.objects.get(slug="grand-dijon"), 2015)
    assert isinstance(annexe.total_annuel, Decimal) and isinstance(annexe.total_pluriannuel, Decimal)
    assert all(isinstance(b.total_annuel, Decimal) for b in annexe.piliers)
    assert annexe.total_annuel == Decimal("43130000")


def test_no_float_in_amount_code():
    """No float() call nor float literal in the code that handles amounts."""
    fautes = []
    for app in ["contrat", "engagements"]:
        for fichier in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in fichier.parts:
                continue
            arbre = ast.parse(fichier.read_text())
            # A similarity ratio (difflib's cutoff, for the typos of an imported header) is not an amount.
            ratios = {
                id(k.value) for n in ast.walk(arbre) if isinstance(n, ast.Call) for k in n.keywords if k.arg == "cutoff"
            }
            for noeud in ast.walk(arbre):
                if isinstance(noeud, ast.Call) and getattr(noeud.func, "id", None) == "float":
                    fautes.append(f"{fichier}:{noeud.lineno} float()")
                if isinstance(noeud, ast.Constant) and isinstance(noeud.value, float) and id(noeud) not in ratios:
                    fautes.append(f"{fichier}:{noeud.lineno} {noeud.value!r}")
    assert fautes == []
