"""The fixtures say what the signed documents say: every sentence of the convention CAF 2016-2017
(seed 001, kept in tests/sources/) is found in the source, and who commits to what is the source's."""

import re
from pathlib import Path

import pytest

from contrat.models import Document
from engagements.models import ArticleConvention, EngagementReciproque

SOURCE_001 = Path(__file__).parent / "sources" / "001_convention_caf_2016_2017.txt"


def _plat(texte):
    """Without the markdown emphasis of the source nor its line breaks, one space between words."""
    return re.sub(r"\s+", " ", texte.replace("*", "")).strip()


@pytest.fixture
def convention(conventions):
    return Document.objects.get(contrat__slug="grand-dijon", slug="convention-caf-2016-2017")


def _phrases(texte):
    """The lines of a stored text, without their list dash; the first letter may have been capitalised."""
    for ligne in texte.splitlines():
        ligne = _plat(ligne.removeprefix("- "))
        if ligne:
            yield ligne


def test_every_sentence_of_the_convention_is_the_source_s(convention):
    source = _plat(SOURCE_001.read_text(encoding="utf-8"))
    textes = [convention.preambule]
    for article in ArticleConvention.objects.filter(document=convention):
        textes += [article.titre, article.contexte, article.complement]
        textes += [e.points for e in article.engagements.all()]
    absentes = [p for t in textes for p in _phrases(t) if p[1:].rstrip(" :.") not in source]
    assert absentes == []


def test_article_2_1_the_caf_commits_to_its_pole_habitat_logement_only(convention):
    article = ArticleConvention.objects.get(document=convention, numero="2.1")
    engagements = list(article.engagements.all())
    assert [e.partenaire.slug for e in engagements] == ["caf-21"]  # the Grand Dijon makes no commitment here
    assert engagements[0].liste_points == [
        "Certaines situations complexes de logement - chômage, suspension de droits, présence d'enfants majeurs et/ou "
        "handicapés, ... - nécessiteraient un appui particulier de la CAF qui à cette fin, mobilisera son Pôle Habitat-Logement."]
    # The simulations are the past and are now internalised by the bailleurs, who organise the rehousing.
    assert not EngagementReciproque.objects.filter(article__document=convention, points__icontains="simulation").exists()
    assert "organisée en interne par les bailleurs sociaux" in article.contexte
    assert "d'internaliser la prestation de simulation des droits au logement" in article.contexte
    assert article.contexte.startswith("Le relogement des ménages locataires concernés par les opérations de déconstruction")


def test_what_was_dropped_is_kept(convention):
    assert "partenariat formalisé dans un cadre conventionnel depuis 2006" in convention.preambule
    assert "convention 2009/2012 et des avenants signés pour les années 2013 et 2014" in convention.preambule
    assert "- la Convention d'Objectifs et de Gestion (COG) 2013/2017" in convention.preambule
    articles = {a.numero: a for a in ArticleConvention.objects.filter(document=convention)}
    assert "- en interne, une chargée de location référente ainsi que le service social" in articles["2.5"].contexte
    assert "(PLAi)" in articles["2.5"].contexte and "familles sédentarisées" in articles["2.5"].contexte
    assert articles["2.2"].contexte.startswith("La prise en charge des situations de mal logement")
    assert "L'objectif de ce dispositif est d'articuler" in articles["4"].contexte
    assert articles["4"].complement.startswith("** Les orientations de la circulaire CNAF du 4 février 2015")
    assert "- mutualisée entre le Grand Dijon" in articles["1"].contexte  # lists stay lists
    groupes = articles["4"].engagements.get(formule__startswith="La CAF 21 participe aussi aux groupes techniques")
    assert len(groupes.liste_points) == 4


def test_the_convention_page_shows_the_preambule(convention, connecter):
    page = connecter("lecteur").get("/contrats/grand-dijon/").content.decode()
    assert "Préambule" in page and "partenariat formalisé dans un cadre conventionnel depuis 2006" in page
