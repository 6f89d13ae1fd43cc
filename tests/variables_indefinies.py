"""Undefined template variables fail the test that renders them (settings_test installs this as
the templates' `string_if_invalid`; tests/conftest.py fails the test at its end).

Only the project's own templates are held to it: Django's admin and the libraries' templates
rely on undefined variables rendering empty. `{% if x %}` and `{% firstof %}` test a variable
without printing it and are not reported; an optional variable is printed under such a test."""

import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
# (template, variable) seen since the last check; the live server's threads write here too.
vues: list[tuple[str, str]] = []


def _modele_en_cours():
    """The template, and its line, of the nearest node that resolves the variable (a block of a child
    template is rendered inside its parent: the node, not the context, knows where it was written)."""
    from django.template.base import Node

    cadre = sys._getframe(2)
    while cadre is not None:
        noeud = cadre.f_locals.get("self")
        if isinstance(noeud, Node) and getattr(noeud, "origin", None) is not None:
            jeton = getattr(noeud, "token", None)
            return noeud.origin.name, getattr(jeton, "lineno", None)
        cadre = cadre.f_back
    return None, None


def est_du_projet(chemin):
    if not chemin:
        return False
    chemin = Path(chemin)
    return chemin.is_absolute() and chemin.resolve().is_relative_to(RACINE) and ".venv" not in chemin.parts


class VariableIndefinie(str):
    """What Django prints for a variable it cannot resolve: "" as in production, and noted."""

    def __bool__(self):
        return True  # Django consults string_if_invalid only when it is true

    def __contains__(self, cle):
        return cle == "%s"  # so that Django calls __mod__ with the variable's name

    def __mod__(self, variable):
        chemin, ligne = _modele_en_cours()
        if est_du_projet(chemin):
            vues.append((f"{Path(chemin).resolve().relative_to(RACINE)}:{ligne}", str(variable)))
        return ""
