"""Renders the fiches' texts: one paragraph a line, "- " list items, "  - " nested items."""

from django import template
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import mark_safe

from noyau import montants

register = template.Library()


def _niveau(ligne):
    if ligne.startswith("  - "):
        return 2, ligne[4:]
    if ligne.startswith("- "):
        return 1, ligne[2:]
    return 0, ligne


@register.filter
def blocs(texte):
    """Paragraphs and lists, escaped: what a user typed never becomes markup."""
    morceaux, profondeur = [], 0
    for brute in (texte or "").splitlines():
        if not brute.strip():
            continue
        niveau, contenu = _niveau(brute.rstrip())
        while profondeur > niveau:
            morceaux.append("</li></ul>")
            profondeur -= 1
        if niveau == 0:
            morceaux.append(f"<p>{conditional_escape(contenu)}</p>")
            continue
        if profondeur < niveau:
            while profondeur < niveau:
                morceaux.append("<ul><li>")
                profondeur += 1
        else:
            morceaux.append("</li><li>")
        morceaux.append(str(conditional_escape(contenu)))
    morceaux.append("</li></ul>" * profondeur)
    return mark_safe("".join(morceaux))


@register.filter
def valeur(nombre):
    """An indicator's value the French way: 1 234,5 — blank when not measured."""
    return montants.nombre(nombre)


@register.filter
def liste_ordonnee(texte):
    """One item a line, as a numbered list; items already bulleted keep their nesting."""
    lignes = [ln for ln in (texte or "").splitlines() if ln.strip()]
    if any(ln.startswith(("- ", "  - ")) for ln in lignes):
        return blocs(texte)
    if not lignes:
        return ""
    return mark_safe("<ol>" + format_html_join("", "<li>{}</li>", ((ln.strip(),) for ln in lignes)) + "</ol>")
