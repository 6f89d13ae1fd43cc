"""One rule for a line whose dispositif serves several piliers: it counts once, under the first of them in the
tree's order, where the signed annexe prints it — the same in the synthèse tables (page, PDF, workbook), the
year-by-year chart, and the annexe (page, PDF, workbook)."""

import html
import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from pypdf import PdfReader

from contrat.models import Objectif, Partenaire, Pilier
from engagements.models import Dispositif, Estimation
from engagements.synthese import Synthese, piliers_par_annee
from noyau.montants import euros

from .grille import grille, montant
from .test_annexe_xlsx import valeur

MONTANT = Decimal("6000.50")


def _ligne_de_deux_piliers(contrat):
    premier, second = Pilier.objects.filter(contrat=contrat, transversal=False).order_by("ordre", "pk")[:2]
    objectifs = [
        Objectif.objects.filter(orientation__pilier=p).order_by("orientation__ordre", "ordre").first()
        for p in (second, premier)  # given in the « wrong » order: the tree's order decides
    ]
    caf = Partenaire.objects.get(slug="caf-21")
    dispositif = Dispositif.objects.create(contrat=contrat, partenaire=caf, code="deux-piliers", intitule="Passerelle")
    dispositif.objectifs.set(objectifs)
    Estimation.objects.create(dispositif=dispositif, partenaire=caf, annee=2015, montant_annuel=MONTANT)
    return premier, second


def test_a_line_serving_two_piliers_counts_once_under_the_first_everywhere(conventions, connecter):
    avant = {
        b.pilier.pk: sum((e.montant_annuel or 0 for e in b.lignes), Decimal(0))
        for b in Synthese(conventions, 2015).annexe.piliers
    }
    premier, second = _ligne_de_deux_piliers(conventions)
    attendu = {**avant, premier.pk: avant[premier.pk] + MONTANT}
    libelles = {p.pk: p.libelle for p in Pilier.objects.filter(contrat=conventions)}
    client = connecter("chef.projet")

    # The synthèse: its columns, on the page and in its workbook, and the chart year by year.
    synthese = client.get("/contrats/grand-dijon/synthese/?annee=2015").context["synthese"]
    colonnes = dict(zip(synthese.colonnes, synthese.totaux, strict=False))
    for pk, total in attendu.items():
        assert (colonnes.get(libelles[pk]) or Decimal(0)) == total, libelles[pk]
    assert sum(m for m in synthese.totaux if m is not None) == synthese.total
    classeur = load_workbook(io.BytesIO(client.get("/contrats/grand-dijon/synthese.xlsx?annee=2015").content))
    rangs = list(classeur.active.iter_rows(values_only=True))
    entetes = next(r for r in rangs if r and libelles[premier.pk] in r)
    total = rangs[-1]
    for pk in (premier.pk, second.pk):
        assert Decimal(str(total[entetes.index(libelles[pk])] or 0)) == attendu[pk]
    par_annee = {p.pk: dict(annees) for p, annees in piliers_par_annee(conventions)}
    for pk in (premier.pk, second.pk):
        assert par_annee[pk][2015].prevu == attendu[pk]

    # The annexe: the sub-total of each pilier on the page, in the PDF and in the workbook.
    page = html.unescape(client.get("/contrats/grand-dijon/annexe-financiere/?annee=2015").content.decode())
    sous_totaux = {
        cells[0]["texte"].removeprefix("Sous-total "): montant(cells[6]["texte"])
        for _, classes, cells in grille(page)
        if "sous-total" in classes
    }
    pdf = client.get("/contrats/grand-dijon/annexe-financiere.pdf?annee=2015")
    texte = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages))
    feuille = load_workbook(io.BytesIO(client.get("/contrats/grand-dijon/annexe-financiere.xlsx?annee=2015").content))
    feuille = feuille.worksheets[0]
    for pk in (premier.pk, second.pk):
        libelle = libelles[pk]
        assert sous_totaux[libelle] == attendu[pk], libelle
        assert f"Sous-total {libelle} {euros(attendu[pk])}" in texte, libelle
        r = next(r for r in range(1, feuille.max_row + 1) if feuille.cell(r, 1).value == f"Sous-total {libelle}")
        assert valeur(feuille, f"G{r}") == attendu[pk], libelle
    # Printed once: the line is in the annexe once.
    rangs_passerelle = [c for _, _, c in grille(page) if any(x and x["texte"] == "Passerelle" for x in c)]
    assert len(rangs_passerelle) == 1
    # And the rule is said in words where the tables are read.
    synthese_page = html.unescape(client.get("/contrats/grand-dijon/synthese/?annee=2015").content.decode())
    assert "compte sous le premier d'entre eux dans l'ordre de l'arbre" in synthese_page


def test_the_piliers_year_by_year_charts_share_one_scale(conventions, connecter):
    """Each pilier's chart draws its amounts on the scale of the largest amount of all of them."""
    _ligne_de_deux_piliers(conventions)
    evolution = connecter("lecteur").get("/contrats/grand-dijon/synthese/?annee=2015").context["evolution"]
    assert len(evolution) >= 2
    barres = [(b.premiere, b.objet.prevu) for _, graphique in evolution for b in graphique["barres"]]
    largeur = evolution[0][1]["largeur"]
    plus_grand = max(m for _, m in barres if m)
    for dessinee, prevu in barres:
        assert dessinee == (int(largeur * prevu / plus_grand) if prevu else 0)
    assert [d for d, _ in barres].count(largeur) >= 1 and min(d for d, m in barres if m) < largeur
