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


@register.filter
def ecart(difference):
    """A difference of amounts with its sign: « +200 € », « −1 500 € », « = » when none; blank when unknown."""
    if difference is None:
        return ""
    if difference == 0:
        return "="
    return ("+" if difference > 0 else "−") + montants.euros(abs(difference))
