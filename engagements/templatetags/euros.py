from django import template

from engagements import formats

register = template.Library()


@register.filter
def euros(montant):
    return formats.euros(montant)
