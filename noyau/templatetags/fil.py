"""The breadcrumb of every page, through one template (`includes/fil.html`)."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/fil.html")
def fil(*page, contrat=None, parent=None, parent_url="", parent_libelle=""):
    """{% fil "Contribution" annee "—" partenaire.sigle contrat=contrat %}: home, the contract, what the
    page belongs to (a row with its own page, or an address and its label), the page itself (its words
    joined by spaces)."""
    return {
        "fil_contrat": contrat,
        "fil_parent_url": parent_url or (parent.get_absolute_url() if parent else ""),
        "fil_parent_libelle": parent_libelle or (str(parent) if parent else ""),
        "fil_page": " ".join(str(mot) for mot in page if mot not in (None, "")),
    }
