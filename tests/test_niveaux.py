"""A contract names the levels of its strategy tree (the 2024 generation: « Priorité / Objectif /
Action »…): its annexe page, PDF and workbook print those words, and the default ones stay those of
the signed annexes."""

import html
import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from contrat.models import Contrat


def _nommer(connecter, conventions, n1, n2, n3):
    chef = connecter("chef.projet")
    page = chef.get("/contrats/grand-dijon/modifier/")
    donnees = {nom: valeur for nom, valeur in page.context["form"].initial.items() if valeur not in (None, False)}
    donnees.update(
        {
            "niveau_1": n1,
            "niveau_2": n2,
            "niveau_3": n3,
            "porteur": conventions.porteur_id or "",
            "date_signature": conventions.date_signature.isoformat() if conventions.date_signature else "",
        }
    )
    reponse = chef.post("/contrats/grand-dijon/modifier/", donnees)
    assert reponse.status_code == 302, reponse.context["form"].errors if reponse.context else reponse
    return chef


def test_the_signed_annexe_keeps_its_own_words_by_default(connecter, conventions):
    page = html.unescape(
        connecter("lecteur").get("/contrats/grand-dijon/annexe-financiere/?annee=2015").content.decode()
    )
    entetes = re.findall(r'<th scope="col">([^<]+)</th>', page)[:3]
    assert entetes == ["PILIER", "ORIENTATIONS STRATÉGIQUES", "OBJECTIFS OPÉRATIONNELS"]
    assert "Pilier Cadre de vie des habitants" in page


def test_levels_named_priorite_objectif_action_are_printed_in_the_page_the_pdf_and_the_workbook(connecter, conventions):
    chef = _nommer(connecter, conventions, "Priorité", "Objectifs", "Actions")
    contrat = Contrat.objects.get(pk=conventions.pk)
    assert (contrat.niveau_1, contrat.niveau_2, contrat.niveau_3) == ("Priorité", "Objectifs", "Actions")

    page = html.unescape(chef.get("/contrats/grand-dijon/annexe-financiere/?annee=2015").content.decode())
    assert re.findall(r'<th scope="col">([^<]+)</th>', page)[:3] == ["PRIORITÉ", "OBJECTIFS", "ACTIONS"]
    assert "Priorité Cadre de vie des habitants" in page and "Pilier Cadre de vie" not in page
    assert "Enjeux transversaux" in page  # the transversal pilier has no prefix

    pdf = chef.get("/contrats/grand-dijon/annexe-financiere.pdf?annee=2015")
    texte = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "PRIORITÉ" in texte and "OBJECTIFS" in texte and "ACTIONS" in texte
    assert "Priorité Cadre de vie" in re.sub(r"\s+", " ", texte) and "PILIER" not in texte

    classeur = load_workbook(io.BytesIO(chef.get("/contrats/grand-dijon/annexe-financiere.xlsx?annee=2015").content))
    valeurs = [c.value for f in classeur.worksheets for r in f.iter_rows() for c in r if isinstance(c.value, str)]
    assert {"PRIORITÉ", "OBJECTIFS", "ACTIONS"} <= set(valeurs)
    assert "Priorité Cadre de vie des habitants" in valeurs and not any(v.startswith("Pilier ") for v in valeurs)
    # The tree page and the contract page say it too.
    assert "Priorité Cadre de vie des habitants" in html.unescape(
        chef.get("/contrats/grand-dijon/arbre/").content.decode()
    )
    assert "Priorité Cadre de vie des habitants" in html.unescape(chef.get("/contrats/grand-dijon/").content.decode())


def test_levels_left_empty_are_the_signed_annexes_words(connecter, conventions):
    _nommer(connecter, conventions, "  ", "", "")
    contrat = Contrat.objects.get(pk=conventions.pk)
    assert (contrat.niveau_1, contrat.niveau_2, contrat.niveau_3) == (
        "Pilier",
        "Orientations stratégiques",
        "Objectifs opérationnels",
    )


def test_the_tree_the_grid_the_dispositif_form_and_the_dashboard_speak_the_contract_s_words(connecter, conventions):
    """« Priorité / Objectifs / Actions »: the tree's add buttons and labels, the grid's and the dispositif form's
    third-level field, the dashboard's chart; the words of the default tree appear nowhere on those pages."""
    chef = _nommer(connecter, conventions, "Priorité", "Objectifs", "Actions")
    arbre = html.unescape(chef.get("/contrats/grand-dijon/arbre/").content.decode())
    for mots in (
        "Ajouter — Priorité",
        "Ajouter — Objectifs",
        "Ajouter — Actions",
        "Intitulé du nouvel élément (Actions)",
    ):
        assert mots in arbre, mots
    for ancien in ("Ajouter un objectif", "Ajouter une orientation", "Ajouter un pilier", "orientations stratégiques"):
        assert ancien not in arbre, ancien
    grille = html.unescape(
        connecter("agent.caf").get("/contrats/grand-dijon/contributions/caf-21/2016/").content.decode()
    )
    assert re.search(r'<label class="fr-label" for="id_lignes-0-objectifs">Actions', grille)
    assert "Objectifs opérationnels" not in grille
    formulaire = html.unescape(
        connecter("agent.caf").get("/contrats/grand-dijon/dispositifs/ajouter/").content.decode()
    )
    assert re.search(r'id="id_objectifs-legende">\s*Actions', formulaire)
    chef = connecter("chef.projet")  # (one client: the agent's pages signed it in as the agent)
    tableau = html.unescape(chef.get("/contrats/grand-dijon/tableau-de-bord/?annee=2015").content.decode())
    assert "Engagements 2015 par priorité" in tableau and "par pilier" not in tableau
