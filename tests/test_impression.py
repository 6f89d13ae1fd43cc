"""Every PDF the application makes, printed: no character is drawn outside the printable area of its
page (5 mm from each edge, where printers clip). The PDFs are found in the URL × role matrix (every
address that answers a PDF), and the annexe is also printed for every contract and partner."""

import io
import re

import pdfplumber
import pytest

from .test_matrice_urls import MATRICE, _url

MARGE = 5 / 25.4 * 72  # 5 mm in points


def hors_de_la_page(contenu):
    """[(page, what, where)] of the characters — and the cell borders — drawn in the unprintable border."""
    defauts = []
    with pdfplumber.open(io.BytesIO(contenu)) as pdf:
        for numero, page in enumerate(pdf.pages, 1):
            traits = [("cadre", r) for r in page.rects + page.lines]
            for quoi, c in [(c["text"], c) for c in page.chars if c["text"].strip()] + traits:
                if c["x0"] < MARGE or c["x1"] > page.width - MARGE or c["top"] < MARGE or c["bottom"] > page.height - MARGE:
                    defauts.append((numero, quoi, round(c["x0"]), round(c["top"])))
    return defauts


def _adresses_pdf(client):
    for nom, (kwargs, statuts) in sorted(MATRICE.items()):
        if statuts[-1] != 200:  # what the administrator can open
            continue
        url = _url(nom, kwargs)
        reponse = client.get(url)
        contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
        # (the matrix's stand-in files of a few bytes are not made by the application)
        if reponse["Content-Type"] == "application/pdf" and contenu.startswith(b"%PDF") and len(contenu) > 500:
            yield url, contenu


def test_no_character_of_any_pdf_falls_outside_the_printable_area(connecter, conventions):
    client = connecter("admin")
    vus, defauts = [], []
    for url, contenu in _adresses_pdf(client):
        vus.append(url)
        defauts += [f"{url} p. {p} : « {t} » à x={x}, y={y}" for p, t, x, y in hors_de_la_page(contenu)[:5]]
    for contrat in ("grand-dijon", "ctg-dijon", "seine-amont"):
        for url in (f"/contrats/{contrat}/annexe-financiere.pdf", f"/contrats/{contrat}/fiches.pdf",
                    f"/contrats/{contrat}/gouvernance.pdf", f"/contrats/{contrat}/synthese.pdf"):
            reponse = client.get(url)
            if reponse.status_code == 200:
                vus.append(url)
                defauts += [f"{url} p. {p} : « {t} » à x={x}, y={y}" for p, t, x, y in hors_de_la_page(reponse.content)[:5]]
    assert len(vus) >= 15, vus
    assert defauts == [], "\n".join(defauts)


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
