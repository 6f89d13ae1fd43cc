import io
import re

import pytest
from pypdf import PdfReader

from contrat.models import Partenaire
from engagements.models import Dispositif, Estimation

URL = "/contrats/grand-dijon/annexe-financiere.pdf"


def pages_de(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    lecteur = PdfReader(io.BytesIO(response.content))
    return lecteur, [re.sub(r"[ \t]+", " ", page.extract_text()) for page in lecteur.pages]


@pytest.fixture
def pdf(conventions, client_connecte):
    return pages_de(client_connecte.get(URL))


def test_the_pdf_is_a4_landscape_text_with_the_title_block(pdf):
    lecteur, pages = pdf
    largeur, hauteur = float(lecteur.pages[0].mediabox.width), float(lecteur.pages[0].mediabox.height)
    assert (round(largeur), round(hauteur)) == (842, 595)  # A4 landscape, in points
    premiere = pages[0]
    for texte in [
        "ANNEXE FINANCIÈRE",
        "Contrat de ville de la métropole dijonnaise",
        "Mobilisation des crédits de droits communs par la Caisse d'Allocations Familiales",
        "Dispositifs mobilisables sur les Territoires prioritaires",
        "Estimation des aides en 2015",
        "Projection finale sur 2015-2017",
        "Sous réserve du maintien des dispositifs de droit commun et des dotations",
    ]:
        assert texte in premiere, texte


def test_the_totals_and_footnotes_are_in_the_pdf_text(pdf):
    _, pages = pdf
    texte = "\n".join(pages)
    assert re.search(r"TOTAL financements CAF\s+43 130 000 €\s+129 530 000 €", texte)
    assert "Sous-total Pilier Cadre de vie des habitants" in texte
    assert "12 100 000 €" in texte
    assert "*Les montants mentionnés sont des estimations et n'engagent pas contractuellement la CAF" in texte
    assert "Ne sont pas inclus dans la projection, les territoires de veille." in texte
    assert " 0 €" not in texte


def test_page_two_repeats_the_column_headers_and_every_page_is_numbered(pdf):
    _, pages = pdf
    assert len(pages) >= 2
    for numero, texte in enumerate(pages, 1):
        assert "PILIER" in texte and "OBJECTIFS" in texte and "Intitulé du dispositif" in texte, numero
        assert f"Page {numero} / {len(pages)}" in texte
        assert "Contrat de ville de la métropole dijonnaise — édité le" in texte
    # The header is repeated, not the title block.
    assert "Estimation des aides en 2015" not in pages[1]


def test_the_partner_filter_names_the_partner(conventions, client_connecte):
    pole_emploi = Partenaire.objects.get(slug="pole-emploi")
    dispositif = Dispositif.objects.create(
        contrat=conventions,
        code="pe-1",
        partenaire=pole_emploi,
        intitule="Accompagnement des demandeurs d'emploi des QPV",
    )
    Estimation.objects.create(dispositif=dispositif, partenaire=pole_emploi, annee=2015, montant_annuel=1234.5)
    _, pages = pages_de(client_connecte.get(URL, {"partenaire": "pole-emploi"}))
    texte = "\n".join(pages)
    assert "Mobilisation des crédits de droit commun par Pôle emploi" in texte
    assert re.search(r"TOTAL financements Pôle emploi\s+1 234,50 €", texte)
    assert "solvabilisation des familles" not in texte


def test_bad_filters_are_refused_in_french(conventions, client_connecte):
    response = client_connecte.get(URL, {"partenaire": "inconnu"})
    assert response.status_code == 400
    assert "Ce partenaire n'existe pas" in response.content.decode()


def test_user_text_cannot_make_the_pdf_fetch_anything(conventions, client_connecte, monkeypatch):
    from noyau import pdf as exports

    tentatives = []
    fetcher = exports._pdf_fetcher()
    refus = fetcher.fetch
    monkeypatch.setattr(fetcher, "fetch", lambda url, headers=None: tentatives.append(url) or refus(url))
    monkeypatch.setattr(exports, "_pdf_fetcher", lambda: fetcher)
    dispositif = Dispositif.objects.first()
    dispositif.intitule = '<img src="file:///etc/passwd"><link rel="stylesheet" href="http://exemple.invalid/x.css">'
    dispositif.save()
    _, pages = pages_de(client_connecte.get(URL))
    assert '<imgsrc="file:///etc/passwd">' in re.sub(r"\s", "", "".join(pages))  # printed as text
    assert tentatives == []
    for url in ["file:///etc/passwd", "http://exemple.invalid/x.css", "data:text/css,p{}"]:
        with pytest.raises(ValueError, match="Ressource externe refusée"):
            refus(url)


def test_the_all_partners_pdf_keeps_every_partner_s_caveats(conventions, client_connecte):
    """With a second partner's line, the annexe is every partner's: the CAF's reserve, its starred footnote
    (« n'engagent pas contractuellement… ») and its other notes are kept, each said as the CAF's, and the
    amount headers keep their star (seed 000)."""
    from decimal import Decimal

    pole_emploi = Partenaire.objects.get(slug="pole-emploi")
    dispositif = Dispositif.objects.create(
        contrat=conventions, partenaire=pole_emploi, code="pe-test", intitule="Garantie jeunes"
    )
    Estimation.objects.create(dispositif=dispositif, partenaire=pole_emploi, annee=2015, montant_annuel=Decimal(1000))
    reponse = client_connecte.get(URL + "?annee=2015")
    _, pages = pages_de(reponse)
    texte = re.sub(r"\s+", " ", "\n".join(pages))
    assert "TOTAL financements " in texte and "Pôle emploi" in texte  # every partner's annexe
    for caveat in (
        "CAF : Sous réserve du maintien des dispositifs de droit commun et des dotations",
        "*CAF : Les montants mentionnés sont des estimations et n'engagent pas contractuellement la CAF",
        "CAF : COG 2013-2017 pas de visibilité sur les dispositifs au-delà de 2017",
        "CAF : Ne sont pas inclus dans la projection, les territoires de veille.",
    ):
        assert caveat in texte, caveat
    assert "Estimation de la valorisation financière annuelle 2015*" in texte
    # Read at a readable size: every character of the caveats is drawn at 8 pt or more.
    import pdfplumber

    with pdfplumber.open(io.BytesIO(reponse.content)) as document:
        mots = [m for page in document.pages for m in page.extract_words(extra_attrs=["size"])]
    contractuellement = [m for m in mots if m["text"].startswith("contractuellement")]
    reserve = [m for m in mots if m["text"] == "réserve"]
    assert contractuellement and reserve
    assert min(m["size"] for m in contractuellement + reserve) >= 7.99  # (8 pt, as the PDF rounds it)
