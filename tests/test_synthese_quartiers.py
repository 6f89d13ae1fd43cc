"""The synthèse read by quartier: each line of the year counts in every quartier its dispositif
targets; the lines that target none are shown apart; the year over, planned, done and the rate."""

import html
import io
import re
from decimal import Decimal

from django.db.models import Sum
from pypdf import PdfReader

from engagements.models import Estimation, Realisation
from engagements.synthese import par_quartier

SYNTHESE = "/contrats/grand-dijon/synthese/?annee=2015"


def _texte(contenu):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", contenu)))


def test_each_quartier_sums_the_lines_that_target_it(conventions):
    lignes = Estimation.objects.filter(dispositif__contrat=conventions, dispositif__archive=False, annee=2015)
    attendu = {
        nom: lignes.filter(dispositif__quartiers__nom=nom).aggregate(s=Sum("montant_annuel"))["s"]
        for nom in ("Fontaine d'Ouche", "Les Grésilles")
    }
    sans = lignes.filter(dispositif__quartiers__isnull=True)
    rangs = {r.libelle: r for r in par_quartier(conventions, 2015)}
    assert list(rangs) == ["Fontaine d'Ouche", "Les Grésilles", "Sans quartier ciblé"]
    for nom, montant in attendu.items():
        assert montant and rangs[nom].taux.prevu == montant
        assert rangs[nom].lignes == lignes.filter(dispositif__quartiers__nom=nom).count()
    assert rangs["Sans quartier ciblé"].taux.prevu == sans.aggregate(s=Sum("montant_annuel"))["s"]
    assert rangs["Sans quartier ciblé"].lignes == sans.count()


def test_the_page_and_the_pdf_show_planned_done_and_rate_by_quartier(connecter, conventions):
    ligne = (
        Estimation.objects.filter(
            dispositif__contrat=conventions,
            annee=2015,
            dispositif__quartiers__nom="Les Grésilles",
            montant_annuel__isnull=False,
        )
        .order_by("pk")
        .first()
    )
    Realisation.objects.create(estimation=ligne, montant_realise=ligne.montant_annuel / 2)
    client = connecter("lecteur")
    texte = _texte(client.get(SYNTHESE).content.decode())
    assert "Engagements 2015 par quartier ciblé" in texte
    rang = next(r for r in par_quartier(conventions, 2015) if r.libelle == "Les Grésilles")
    assert rang.taux.realise == ligne.montant_annuel / 2 and rang.taux.taux == Decimal("50")
    assert rang.taux.inconnus == rang.lignes - 1
    assert "Les Grésilles" in texte and "50 %" in texte
    pdf = client.get(SYNTHESE.replace("synthese/", "synthese.pdf"))
    contenu = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "par quartier ciblé" in contenu and "Sans quartier ciblé" in contenu


def test_the_workbook_has_a_sheet_by_quartier(connecter, conventions):
    from openpyxl import load_workbook

    reponse = connecter("lecteur").get(SYNTHESE.replace("synthese/", "synthese.xlsx"))
    feuille = load_workbook(io.BytesIO(reponse.content))["Par quartier"]
    lignes = [[c.value for c in rang] for rang in feuille.iter_rows(min_row=1)]
    assert lignes[0] == ["Quartier", "Lignes", "Prévu 2015", "Réalisé 2015", "Lignes au réalisé inconnu"]
    rangs = par_quartier(conventions, 2015)
    assert [(r[0], r[1], Decimal(str(r[2]))) for r in lignes[1:]] == [
        (q.libelle, q.lignes, q.taux.prevu) for q in rangs
    ]


def test_by_quartier_is_read_in_three_queries_whatever_the_lines(conventions, django_assert_num_queries):
    with django_assert_num_queries(3):
        rangs = par_quartier(conventions, 2015)
    assert sum(r.lignes for r in rangs if r.libelle == "Sans quartier ciblé") > 0
