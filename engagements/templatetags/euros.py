from django import template

from engagements import formats

register = template.Library()


@register.filter
def euros(montant):
    return formats.euros(montant)


@register.filter
def pluriel(nombre, suffixe="s"):
    """French agreement: 0 and 1 are singular ("0 absent", "1 erreur"), 2 and more plural."""
    return suffixe if abs(int(nombre or 0)) >= 2 else ""
