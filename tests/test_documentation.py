"""The house's own rules: a README of one screen that leads to every page of docs/, each link
of the documentation leading somewhere, and templates that print only what they are given."""

import re
from pathlib import Path

from django.template import Context, Engine, Template
from django.template.base import Origin

from . import variables_indefinies

RACINE = Path(__file__).resolve().parent.parent
LIEN = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def test_the_readme_is_one_screen_that_starts_with_the_two_commands_and_links_every_doc():
    lignes = (RACINE / "README.md").read_text().splitlines()
    assert len(lignes) <= 120
    debut = "\n".join(lignes[:40])
    assert "make run" in debut and "make test" in debut
    lies = {Path(cible).name for cible, _ in LIEN.findall("\n".join(lignes)) if cible.startswith("docs/")}
    assert lies == {page.name for page in (RACINE / "docs").glob("*.md")}


def test_every_link_of_the_documentation_leads_to_a_file():
    for page in [RACINE / "README.md", *(RACINE / "docs").glob("*.md")]:
        for cible, _ in LIEN.findall(page.read_text()):
            if not cible.startswith(("http://", "https://", "mailto:")):
                assert (page.parent / cible).exists(), f"{page.name} : {cible}"


def test_the_readme_s_prerequisites_are_the_makefile_s():
    paquets = set(re.search(r"apt-get install -y ([^\"]+)\"", (RACINE / "Makefile").read_text()).group(1).split())
    ligne = next(ln for ln in (RACINE / "README.md").read_text().splitlines() if "apt-get install" in ln)
    assert paquets <= set(ligne.split())


def _rendu(source):
    """A template of the project (its origin under templates/) rendered with one defined variable."""
    origine = Origin(name=str(RACINE / "templates" / "essai.html"))
    return Template(source, origin=origine, engine=Engine.get_default()).render(Context({"defini": "là"}))


def test_an_undefined_variable_in_a_template_of_the_project_is_reported():
    variables_indefinies.vues.clear()
    assert _rendu("{{ defini }} {% if absent %}{{ absent }}{% endif %} {% firstof absent defini %}") == "là  là"
    assert variables_indefinies.vues == []  # tested before being printed: not an error
    assert _rendu("{{ defini }} {{ absent }} {{ defini.inconnu }}") == "là  "
    assert variables_indefinies.vues == [
        ("templates/essai.html:1", "absent"),
        ("templates/essai.html:1", "defini.inconnu"),
    ]
    variables_indefinies.vues.clear()  # reported, and seen: the check of this test's end has nothing left
