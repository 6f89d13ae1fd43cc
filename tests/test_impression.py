"""Every PDF the application makes, printed: no character is drawn outside the printable area of its
page (5 mm from each edge, where printers clip), and no table cell's text runs below the rows it spans
on its page (a merged cell cut by a page break). The PDFs are found in the URL × role matrix (every
address that answers a PDF), and the annexe is also printed for every contract and partner."""

import io
import re

import pdfplumber
import pytest

from .conftest import rendu_verifie_sur_sqlite
from .test_matrice_urls import MATRICE, ROLES, _url

pytestmark = rendu_verifie_sur_sqlite

MARGE = 5 / 25.4 * 72  # 5 mm in points


def hors_de_la_page(contenu):
    """[(page, what, where)] of the characters — and the cell borders — drawn in the unprintable border."""
    defauts = []
    with pdfplumber.open(io.BytesIO(contenu)) as pdf:
        for numero, page in enumerate(pdf.pages, 1):
            traits = [("cadre", r) for r in page.rects + page.lines]
            for quoi, c in [(c["text"], c) for c in page.chars if c["text"].strip()] + traits:
                if (
                    c["x0"] < MARGE
                    or c["x1"] > page.width - MARGE
                    or c["top"] < MARGE
                    or c["bottom"] > page.height - MARGE
                ):
                    defauts.append((numero, quoi, round(c["x0"]), round(c["top"])))
    return defauts


def _boites(boite, genre):
    for enfant in getattr(boite, "children", ()):
        if isinstance(enfant, genre):
            yield enfant
        else:
            yield from _boites(enfant, genre)


def _texte(boite):
    if hasattr(boite, "text"):
        return boite.text
    return "".join(_texte(enfant) for enfant in getattr(boite, "children", ()))


def textes_sous_leur_rang(document):
    """[(page, text)] of the table cells' text drawn below the bottom of the last row the cell spans
    on that page, or past the cell's right border (as laid out by WeasyPrint: what the PDF draws)."""
    from weasyprint.formatting_structure.boxes import LineBox, TableBox, TableCellBox, TableRowGroupBox, TextBox

    defauts = []
    for numero, page in enumerate(document.pages, 1):
        for table in _boites(page._page_box, TableBox):
            for groupe in (g for g in table.children if isinstance(g, TableRowGroupBox)):
                rangs = groupe.children
                for i, rang in enumerate(rangs):
                    for cellule in (c for c in rang.children if isinstance(c, TableCellBox)):
                        dernier = rangs[min(i + cellule.rowspan - 1, len(rangs) - 1)]
                        bas = dernier.position_y + dernier.height
                        droite = cellule.border_box_x() + cellule.border_width()
                        for ligne in _boites(cellule, LineBox):
                            texte = _texte(ligne).strip()
                            if texte and ligne.position_y + ligne.height > bas + 0.5:
                                defauts.append((numero, texte))
                            elif texte and any(t.position_x + t.width > droite + 0.5 for t in _boites(ligne, TextBox)):
                                defauts.append((numero, f"{texte} (dépasse à droite)"))
    return defauts


MONTANT = re.compile(r"-?[0-9][0-9\s\u00a0\u202f]*(,[0-9]+)?\s*€")


def montants_mal_alignes(document):
    """The table cells holding an amount that are not right-aligned in tabular figures."""
    from weasyprint.formatting_structure.boxes import TableCellBox

    defauts = []
    for numero, page in enumerate(document.pages, 1):
        for cellule in _boites(page._page_box, TableCellBox):
            texte = _texte(cellule).strip()
            numerique = cellule.style["font_variant_numeric"]
            if MONTANT.fullmatch(texte) and (
                cellule.style["text_align_all"] not in ("right", "end")
                or numerique == "normal"
                or "tabular-nums" not in numerique
            ):
                defauts.append((numero, texte))
    return defauts


def _adresses_pdf(client):
    for nom, (kwargs, statuts) in sorted(MATRICE.items()):
        if statuts[ROLES.index("admin")] != 200:  # what the administrator can open
            continue
        url = _url(nom, kwargs)
        reponse = client.get(url)
        contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
        # (the matrix's stand-in files of a few bytes are not made by the application)
        if reponse["Content-Type"] == "application/pdf" and contenu.startswith(b"%PDF") and len(contenu) > 500:
            yield url, contenu


def _tous_les_pdf(client):
    from engagements.models import Estimation

    yield from _adresses_pdf(client)
    for contrat in ("grand-dijon", "ctg-dijon", "seine-amont"):
        lignes = Estimation.objects.filter(dispositif__contrat__slug=contrat)
        par_partenaire = sorted(set(lignes.values_list("partenaire__slug", "annee")))
        for url in (
            f"/contrats/{contrat}/fiches.pdf",
            f"/contrats/{contrat}/gouvernance.pdf",
            f"/contrats/{contrat}/synthese.pdf",
            *(f"/contrats/{contrat}/annexe-financiere.pdf?annee={annee}" for annee in {a for _, a in par_partenaire}),
            *(f"/contrats/{contrat}/annexe-financiere.pdf?annee={a}&partenaire={p}" for p, a in par_partenaire),
        ):
            reponse = client.get(url)
            if reponse.status_code == 200:
                yield url, reponse.content


def test_every_pdf_prints_inside_the_page_and_no_cell_text_runs_below_its_row(
    connecter, conventions, mises_en_page, caplog
):
    client = connecter("admin")
    vus, hors_page, sous_le_rang, montants = [], [], [], []
    for url, contenu in _tous_les_pdf(client):
        vus.append(url)
        hors_page += [f"{url} p. {p} : « {t} » à x={x}, y={y}" for p, t, x, y in hors_de_la_page(contenu)[:5]]
        sous_le_rang += [f"{url} p. {p} : « {t} »" for p, t in textes_sous_leur_rang(mises_en_page[-1])[:5]]
        montants += [f"{url} p. {p} : « {t} »" for p, t in montants_mal_alignes(mises_en_page[-1])[:5]]
    assert len(vus) >= 17 and sum("annexe-financiere.pdf" in url for url in vus) >= 3, vus
    assert len(mises_en_page) >= len(vus)
    assert hors_page == [], "\n".join(hors_page)
    assert sous_le_rang == [], "\n".join(sous_le_rang)
    assert "ne tient pas" not in caplog.text  # each annexe's pages were cut right the first time
    assert montants == [], "\n".join(montants)  # right-aligned, in tabular figures


@pytest.mark.parametrize("partenaire", ["caf-21"])
def test_a_partner_s_annexe_prints_inside_the_page(connecter, conventions, partenaire):
    reponse = connecter("lecteur").get(f"/contrats/grand-dijon/annexe-financiere.pdf?partenaire={partenaire}")
    assert reponse.status_code == 200
    assert hors_de_la_page(reponse.content) == []


@pytest.mark.parametrize("contrat", ["seine-amont", "grand-dijon", "ctg-dijon"])
def test_no_section_heading_is_left_alone_at_the_foot_of_a_page(connecter, conventions, contrat):
    from fiches.models import Fiche

    sections = {f.section.intitule for f in Fiche.objects.filter(contrat__slug=contrat) if f.section}
    pdf = connecter("admin").get(f"/contrats/{contrat}/fiches.pdf").content
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for numero, page in enumerate(document.pages, 1):
            lignes = [ligne.strip() for ligne in (page.extract_text() or "").splitlines() if ligne.strip()]
            # The last line before the running footer (contract name, « n / N »).
            corps = [ligne for ligne in lignes if not re.fullmatch(r".*\d+ / \d+", ligne)]
            assert not corps or corps[-1] not in sections, f"p. {numero} : « {corps[-1]} » seul en bas de page"


def test_a_page_planned_too_full_is_planned_again_with_less_room(conventions, mises_en_page, monkeypatch, caplog):
    """The pages of the annexe are cut from counted heights; if a count was short and a page's table
    did not hold on its page, the annexe is cut again with less room, not printed broken."""
    from django.utils import timezone

    from engagements import impression
    from engagements.annexe import Annexe
    from noyau import decoupage

    monkeypatch.setattr(decoupage, "PLACE", (1.4, 1.0))  # the first plan believes pages 40 % higher
    impression._etalonnage_de.cache_clear()  # the calibration is laid out, as in a fresh process
    contenu = impression.annexe_pdf(Annexe(conventions, 2015), timezone.localdate())
    _, *essais = mises_en_page
    assert len(essais) == 2, "la première mise en page déborde, la seconde tient"
    assert "une page ne tient pas (essai 1)" in caplog.text and "essai 2" not in caplog.text
    assert textes_sous_leur_rang(essais[1]) == [] and hors_de_la_page(contenu) == []
