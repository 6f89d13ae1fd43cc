"""Amounts in euros: the one parser of what people type ("12 100 000", "12 100 000 €",
"1 234,50") and the one formatter of what every page, PDF and export prints.

Amounts are Decimal euros; an unknown amount is None, never 0.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError


def grouper(entier):
    """Thousands grouped the French way, with a plain space: 12 100 000."""
    signe, chiffres = ("-", entier[1:]) if entier.startswith("-") else ("", entier)
    groupes = []
    while chiffres:
        groupes.insert(0, chiffres[-3:])
        chiffres = chiffres[:-3]
    return signe + " ".join(groupes or ["0"])


def nombre(valeur):
    """A number the French way: 1 234,5 — blank when unknown. Decimals kept as given."""
    if valeur is None or valeur == "":
        return ""
    entier, _, decimales = format(Decimal(valeur).normalize(), "f").partition(".")
    return grouper(entier) + (f",{decimales}" if decimales else "")


def euros(montant):
    """French amount: 12 100 000 € or 1 234,50 €; blank when unknown (None is not 0).

    Plain spaces, so that the text of a page or a PDF reads as printed; the
    stylesheets keep an amount on one line.
    """
    if montant is None or montant == "":
        return ""
    try:
        montant = Decimal(montant).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(montant)
    entier, _, centimes = f"{montant:f}".partition(".")
    texte = grouper(entier) + ("" if centimes == "00" else f",{centimes}")
    return f"{texte} €"


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
