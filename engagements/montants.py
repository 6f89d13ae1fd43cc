"""Amounts typed by people: "12 100 000", "12 100 000 €", "12100000", "1 234,50"."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from .formats import euros

# Ordinary, no-break, narrow no-break and thin spaces all group thousands.
ESPACES = re.compile(r"[ \u00a0\u202f\u2009]")
NOMBRE = re.compile(r"\d+(?:[,.]\d+)?")


def parse_montant(texte):
    """Decimal euros, or None for a blank (unknown, not 0). Raises ValidationError in French."""
    texte = (texte or "").strip()
    if not texte:
        return None
    compact = ESPACES.sub("", texte.removesuffix("€").strip())
    if compact.startswith("-"):
        raise ValidationError("Un montant ne peut pas être négatif.", code="negatif")
    if not NOMBRE.fullmatch(compact):
        raise ValidationError(
            "Saisissez un montant en euros, en chiffres : par exemple 12 100 000 ou 1 234,50.", code="invalide"
        )
    valeur = Decimal(compact.replace(",", "."))
    if -valeur.as_tuple().exponent > 2:
        raise ValidationError("Un montant a au plus deux décimales (les centimes).", code="decimales")
    if valeur >= Decimal("1e12"):
        raise ValidationError("Ce montant dépasse mille milliards d'euros : vérifiez-le.", code="trop_grand")
    return valeur


def saisie(montant):
    """How an amount is shown in an input: the French format without the euro sign."""
    return euros(montant).removesuffix(" €")


class MontantInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal):
            return saisie(value)
        return super().format_value(value)


class MontantField(forms.Field):
    widget = MontantInput

    def to_python(self, value):
        return parse_montant(value)
