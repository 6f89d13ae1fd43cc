"""What the pages of the contract's management share: the chef de projet's contract, free slugs."""

from ..models import (
    Contrat,
)
from ..references import slug_libre

__all__ = ["slug_libre", "pilote", "entier"]


def pilote(request, slug):
    return Contrat.objects.pilote_par(request.user, slug, "La gestion du contrat est réservée à son chef de projet.")


def entier(texte):
    try:
        return int(texte)
    except (TypeError, ValueError):
        return 0
