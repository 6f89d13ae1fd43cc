from django import template

from noyau import montants

register = template.Library()


@register.filter
def euros(montant):
    return montants.euros(montant)


@register.filter
def nombre(valeur):
    """A measured value (not an amount): 1 234,5."""
    return montants.nombre(valeur)


@register.filter
def pluriel(nombre, suffixe="s"):
    """French agreement: 0 and 1 are singular ("0 absent", "1 erreur"), 2 and more plural."""
    return suffixe if abs(int(nombre or 0)) >= 2 else ""
