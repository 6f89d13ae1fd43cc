"""What the pages of the contract's management share: the chef de projet's contract, free slugs."""

from django.utils.text import slugify

from ..models import (
    Contrat,
)

RESERVES = {"ajouter"}  # words of the URLs next to /contrats/<slug>/


def slug_libre(modele, base, **filtre):
    """A slug derived from a name, made unique among `modele`'s rows (filtered)."""
    racine = (slugify(base)[:70] or "element").strip("-")
    slug, n = racine, 2
    while slug in RESERVES or modele.objects.filter(slug=slug, **filtre).exists():
        slug, n = f"{racine}-{n}", n + 1
    return slug


def pilote(request, slug):
    return Contrat.objects.pilote_par(request.user, slug, "La gestion du contrat est réservée à son chef de projet.")


def entier(texte):
    try:
        return int(texte)
    except (TypeError, ValueError):
        return 0
