from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from noyau.montants import euros, parse_montant, saisie

montants = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False)
espaces = st.sampled_from([" ", "\u00a0", "\u202f"])


@given(montants, espaces, st.booleans())
def test_format_then_parse_gives_back_the_amount(montant, espace, avec_euro):
    texte = euros(montant).replace(" ", espace)
    if not avec_euro:
        texte = texte.removesuffix(espace + "€")
    assert parse_montant(texte) == montant


@given(montants)
def test_what_the_form_shows_parses_back(montant):
    assert parse_montant(saisie(montant)) == montant


@pytest.mark.parametrize(
    "texte, attendu",
    [
        ("12 100 000", Decimal("12100000")),
        ("12 100 000 €", Decimal("12100000")),
        ("12100000", Decimal("12100000")),
        ("1 234,50", Decimal("1234.50")),
        ("1\u00a0234,50", Decimal("1234.50")),
        ("1\u202f234,50 €", Decimal("1234.50")),
        ("0", Decimal("0")),
        ("  ", None),
        ("", None),
    ],
)
def test_the_ways_people_type_amounts(texte, attendu):
    assert parse_montant(texte) == attendu


@pytest.mark.parametrize(
    "texte, message",
    [
        ("-5", "ne peut pas être négatif"),
        ("- 1 200 €", "ne peut pas être négatif"),
        ("12,345", "au plus deux décimales"),
        ("douze mille", "Saisissez un montant en euros"),
        ("12 000 k€", "Saisissez un montant en euros"),
        ("1,2,3", "Saisissez un montant en euros"),
        ("1e5", "Saisissez un montant en euros"),
    ],
)
def test_bad_amounts_are_refused_in_french(texte, message):
    with pytest.raises(ValidationError, match=message):
        parse_montant(texte)
