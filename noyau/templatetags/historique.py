from django import template

from noyau import historique

register = template.Library()


@register.filter
def libelle_objet(entree):
    """ "Estimation financière" for an entry about an estimation: the model's own name."""
    return historique.libelle_nature(entree.objet)
