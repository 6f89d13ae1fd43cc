"""Bounds of what people type, checked on the server (an HTML min/max is only a hint)."""

from django.core.exceptions import ValidationError

ANNEE_MIN, ANNEE_MAX = 1900, 2100
REUNIONS_MAX = 12  # meetings of one body in one period (month, quarter, year…)


def annee(valeur, debut=ANNEE_MIN, fin=ANNEE_MAX):
    """A year within [debut, fin]; None stays None."""
    if valeur is not None and not debut <= valeur <= fin:
        raise ValidationError(f"Saisissez une année entre {debut} et {fin} (par exemple 2022).", code="annee")
    return valeur


def date(valeur):
    if valeur is not None:
        annee(valeur.year)
    return valeur
