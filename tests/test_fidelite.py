"""The fixtures say what the signed documents say. Copies of the sources are kept in tests/sources/:
every line transcribed from the convention CAF 2016-2017 (001), the protocole 2019-2022 (004), the
fiches of Seine-Amont (002) and of the protocol, and the CAF's 2015 annexe (000) is found in them;
who commits to what, and under which organisation each dispositif stands, is what the text says."""

import html
import re
from pathlib import Path

import pytest

from contrat.models import Document
from engagements.models import ArticleConvention, EngagementReciproque
from fiches.models import DispositifMobilise, Fiche, Intervenant

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
        "handicapés, ... - nécessiteraient un appui particulier de la CAF qui à cette fin, mobilisera son Pôle "
        "Habitat-Logement."
    ]
    # The simulations are the past and are now internalised by the bailleurs, who organise the rehousing.
    assert not EngagementReciproque.objects.filter(
        article__document=convention, points__icontains="simulation"
    ).exists()
    assert "organisée en interne par les bailleurs sociaux" in article.contexte
    assert "d'internaliser la prestation de simulation des droits au logement" in article.contexte
    assert article.contexte.startswith(
        "Le relogement des ménages locataires concernés par les opérations de déconstruction"
    )


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


# -- seed 002: the fiches opérationnelles of Seine-Amont ----------------------------------------------


def _ligne(fiche, ordre, modele=DispositifMobilise):
    return modele.objects.get(fiche__contrat__slug="seine-amont", fiche__slug=fiche, ordre=ordre)


def test_the_caisse_des_depots_rows_are_its_own_not_the_etat_s(conventions):
    assert _ligne("fiche-2-2", 3).partenaire.slug == "caisse-des-depots"  # « …filière Transdev »
    assert _ligne("fiche-3-1", 4).partenaire.slug == "caisse-des-depots"
    peut = [_ligne("fiche-6-1", o) for o in (5, 6, 7, 8)]
    assert {(d.groupe, d.partenaire.slug) for d in peut} == {
        ("La Caisse des dépôts et consignations peut", "caisse-des-depots")
    }
    assert not DispositifMobilise.objects.filter(
        fiche__slug="fiche-6-1", texte="La Caisse des dépôts et consignations peut"
    ).exists()
    pass_ = _ligne("fiche-6-1", 15)  # run with the Conseil régional: both
    assert pass_.partenaire.slug == "caisse-des-depots"
    assert [p.slug for p in pass_.autres_partenaires.all()] == ["region-ile-de-france"]
    # No row that names the Caisse des dépôts as its group is left to the État or to nobody.
    cdc = DispositifMobilise.objects.filter(fiche__contrat__slug="seine-amont", groupe__icontains="caisse des d")
    assert cdc.count() >= 15 and set(cdc.values_list("partenaire__slug", flat=True)) == {"caisse-des-depots"}


def test_european_funds_are_not_the_agglomeration_s(conventions):
    fonds = Intervenant.objects.filter(fiche__contrat__slug="seine-amont", nom__regex=r"Fonds Social Européen|FEDER")
    assert fonds.count() >= 4 and set(fonds.values_list("partenaire__slug", flat=True)) == {"union-europeenne"}
    assert (
        _ligne("fiche-2-3", 5, Intervenant).nom
        == "Fonds Social Européen dans le cadre de la candidature ITI de la CASA"
    )
    assert _ligne("fiche-7-1", 9, Intervenant).partenaire.slug == "union-europeenne"
    iti = DispositifMobilise.objects.filter(
        fiche__contrat__slug="seine-amont", groupe="Dispositif du Fonds Social Européen"
    )
    assert set(iti.values_list("partenaire__slug", flat=True)) == {"union-europeenne"}


def test_partners_are_linked_where_the_fiche_names_them(conventions):
    assert _ligne("fiche-8-2", 3).partenaire.slug == "caf-94"  # « Dispositifs financés par la CAF »
    assert _ligne("fiche-2-4", 1).partenaire.slug == "ca-seine-amont"
    assert {_ligne("fiche-17-1", o).partenaire.slug for o in (2, 3, 4)} == {"etat"}  # Éducation nationale
    assert _ligne("fiche-17-2", 5).partenaire.slug == "etat"
    assert {_ligne("fiche-21-1", o).partenaire.slug for o in (7, 8)} == {"etat"}  # Académie de Créteil
    assert _ligne("fiche-13-1", 5, Intervenant).partenaire.slug == "caf-94"
    assert _ligne("fiche-3-1", 6, Intervenant).partenaire.slug == "etat"  # DIRECCTE
    for fiche, ordre in (("fiche-2-1", 5), ("fiche-20-1", 7), ("fiche-23-1", 3)):
        assert _ligne(fiche, ordre, Intervenant).partenaire.slug == "etat"


def test_sub_headings_are_headings_and_footnote_markers_stand_apart(conventions):
    fiche = Fiche.objects.get(contrat__slug="seine-amont", slug="fiche-1-2")
    textes = list(fiche.dispositifs_mobilises.values_list("texte", flat=True))
    assert "De manière spécifique, la Direccte :" not in textes and "Autres dispositifs de l'Etat :" not in textes
    assert _ligne("fiche-1-2", 9).groupe == "Dispositifs de l'Etat — De manière spécifique, la Direccte"
    assert _ligne("fiche-1-2", 12).groupe == "Dispositifs de l'Etat — Autres dispositifs de l'Etat"
    assert _ligne("fiche-1-2", 6, Intervenant).nom == "Etat :\n- Education nationale ;\n- Direccte."
    document = Document.objects.get(contrat__slug="seine-amont", slug="fiches-operationnelles")
    assert "partenaires financeurs (1) et opérationnels" in document.description
    assert "définit (2)" in Fiche.objects.get(contrat__slug="seine-amont", slug="fiche-11-2").description
    assert "déscolarisation (3)" in _ligne("fiche-18-2", 5).texte
    for glue in ("financeurs1", "définit2", "déscolarisation3"):
        assert not DispositifMobilise.objects.filter(texte__contains=glue).exists()
        assert not Fiche.objects.filter(description__contains=glue).exists()


def test_the_region_s_caveat_is_shown_with_its_rows(conventions, connecter):
    client = connecter("admin")  # Seine-Amont has no chef de projet among the demo accounts
    fiche = Fiche.objects.get(contrat__slug="seine-amont", slug="fiche-1-2")
    page = client.get(fiche.get_absolute_url()).content.decode().replace("&#x27;", "'")
    reserve = "ne constituent pas des engagements de la Région"
    avant, apres = page.split("Dispositifs du Conseil régional :", 1)
    assert (
        reserve not in avant.split("Dispositifs pouvant soutenir les projets")[-1]
        and reserve in apres.split("</td>")[0]
    )
    partenaire = client.get("/partenaires/region-ile-de-france/").content.decode().replace("&#x27;", "'")
    assert (
        "Dispositifs cités dans les fiches" in partenaire
        and "Chéquier qualifiant" in partenaire
        and reserve in partenaire
    )
    cdc = client.get("/partenaires/caisse-des-depots/").content.decode()
    assert "Point d&#x27;accueil à la création d&#x27;entreprise (PASS)" in cdc


# -- seed 000: the annexe financière of the CAF, 2015 ---------------------------------------------------


def test_the_caf_lines_name_their_structures_and_quartiers_as_the_annexe_does(conventions):
    from engagements.models import AnnexeFinanciere, Dispositif

    lignes = {
        d.code: d
        for d in Dispositif.objects.filter(contrat__slug="grand-dijon", code__startswith="caf-2015-").prefetch_related(
            "quartiers"
        )
    }
    assert lignes["caf-2015-11"].unite_compte == "Chenôve :P'tit Bleu P'tit Jaune"  # as printed
    assert lignes["caf-2015-24"].structures == (
        "centres sociaux Grésilles, Fontaine d'Ouche, le Tremplin, La Ruche, La Turbine et CSC Léo Lagrange"
    )
    assert {q.nom for q in lignes["caf-2015-24"].quartiers.all()} == {"Les Grésilles", "Fontaine d'Ouche"}
    assert (lignes["caf-2015-12"].structures, [q.nom for q in lignes["caf-2015-12"].quartiers.all()]) == (
        "La Cadole",
        ["Fontaine d'Ouche"],
    )
    assert lignes["caf-2015-36"].structures == "solidarité femmes, Althéa"
    assert sum(1 for d in lignes.values() if d.structures) == 11
    annexe = AnnexeFinanciere.objects.get(contrat__slug="grand-dijon", slug="caf-2015")
    assert annexe.titre == "Mobilisation des crédits de droits communs par la Caisse d'Allocations Familiales"
    # Every text of the 37 lines is the printed annexe's, letter for letter.
    source = _plat((Path(__file__).parent / "sources" / "000_annexe_caf_2015.txt").read_text(encoding="utf-8"))
    textes = [t for d in lignes.values() for t in (d.intitule, d.unite_compte, d.remarque) if t]
    assert len(lignes) == 37 and [t for t in textes if _plat(t) not in source] == []
    assert annexe.titre in source


# -- seed 004: the protocole d'engagements réciproques et renforcés 2019-2022 ---------------------------

SOURCE_004 = Path(__file__).parent / "sources" / "004_protocole_2019_2022.txt"


def _plat_004(texte):
    return _plat(texte.replace("^{er}", "er").replace("- -", "-"))


def test_the_protocol_s_preambule_and_five_articles_are_the_source_s(conventions):
    protocole = Document.objects.get(contrat__slug="grand-dijon", slug="protocole-2019-2022")
    source = _plat_004(re.sub(r"(?m)^-(?=\S)", "- ", SOURCE_004.read_text(encoding="utf-8")))
    articles = list(ArticleConvention.objects.filter(document=protocole))
    assert [(a.numero, a.titre) for a in articles][:2] == [
        ("1", "Objet du protocole"),
        ("2", "Le contrat de ville 2015-2022 - Périmètre"),
    ]
    assert len(articles) == 5
    absentes = [
        ligne
        for texte in [protocole.preambule] + [a.contexte for a in articles]
        for ligne in texte.splitlines()
        if _plat_004(ligne) not in source
    ]
    assert absentes == []
    assert protocole.preambule.startswith(
        "VU la loi de programmation pour la ville et la cohésion urbaine du 21 février 2014"
    )
    assert "Il est convenu ce qui suit :" in protocole.preambule
    assert "- la détermination d'objectifs et d'indicateurs." in articles[3].contexte  # article 4's list stays a list
    assert articles[4].contexte.startswith("Pour la période 2019-2022, les partenaires du contrat de ville s'engagent")


def test_the_fiches_actions_and_bodies_of_the_protocol_as_written(conventions):
    from fiches.models import Engagement
    from gouvernance.models import Instance

    region = Engagement.objects.get(fiche__slug="fiche-action-5", ordre=3)
    points = [ligne for ligne in region.texte.splitlines() if ligne.startswith("- ")]
    assert points[0].startswith("- Déploiement de places de formation supplémentaires")
    assert points[1].startswith("- Depuis le 1")  # two sub-items, not one
    assert Engagement.objects.get(fiche__slug="fiche-action-7", ordre=1).partenaire.slug == "rectorat-dijon"
    communes = set(Fiche.objects.get(slug="fiche-action-9").communes.values_list("nom", flat=True))
    assert {"Saint-Apollinaire", "Marsannay-la-Côte", "Chevigny-Saint-Sauveur", "Chenôve", "Talant"} <= communes
    elus = Instance.objects.get(contrat__slug="grand-dijon", slug="reunion-elus")
    assert elus.composition.startswith("Mises en place en 2019")
    assert "Ainsi, une construction métropolitaine des enjeux locaux est réalisée." in elus.composition
    for slug in ("gt-gusp", "gt-tranquillite-publique"):
        assert (
            "Deux nouveaux groupes seront mis en place sur la période 2019-2022"
            in Instance.objects.get(contrat__slug="grand-dijon", slug=slug).composition
        )


# -- seed 003: the convention territoriale globale of Dijon 2024-2027 -----------------------------------


def test_the_ctg_keeps_what_it_says_and_marks_what_is_read_or_inferred(conventions):
    from fiches.models import Equipement

    fiche = Fiche.objects.get(contrat__slug="ctg-dijon", slug="axe-1-fiche-3")
    assert fiche.objectifs_operationnels.splitlines()[-1] == "- Qualité et politiques publiques"
    assert "Aboutir à la rédaction d'une charge d'accueil du jeune enfant" in fiche.resultats  # as printed
    equipements = {e.ordre: e for e in Equipement.objects.filter(contrat__slug="ctg-dijon", annexe="2")}
    assert (equipements[42].nom, equipements[42].gestionnaire) == (
        "Illisible dans la copie disponible",
        "La Maison-Phare",
    )
    assert equipements[43].nom == "Illisible dans la copie disponible"
    assert "(lecture : la copie porte « Jean XXl »)" in equipements[27].adresse
    assert "(lecture : la copie porte « 26°™¢ »)" in equipements[34].adresse
    # The porteurs Ville + CAF are not the convention's words: every fiche says they are inferred.
    fiches = Fiche.objects.filter(contrat__slug="ctg-dijon")
    assert fiches.count() == 15 and all("par déduction" in f.notes for f in fiches)


def test_the_three_bodies_of_the_animation_de_la_vie_sociale_are_held(conventions):
    from gouvernance.models import Instance

    corps = {
        i.slug: i
        for i in Instance.objects.filter(
            contrat__slug="ctg-dijon",
            slug__in=["instance-ville-caf", "temps-individuel-mep-ville-caf", "reunion-mensuelle-mep"],
        )
    }
    assert len(corps) == 3
    assert corps["reunion-mensuelle-mep"].rythme == "1 fois / mois"
    assert [str(m) for m in corps["temps-individuel-mep-ville-caf"].membres.all()] == [
        "les MEP",
        "Ville de Dijon",
        "Caisse d'Allocations Familiales de la Côte-d'Or",
    ]


def test_a_database_loaded_before_the_corrections_loses_the_rows_they_removed(conventions):
    """Reloading fixtures never deletes: the migration removes, by their text, the rows the corrected
    transcriptions no longer have (the Grand Dijon's invented commitment in article 2.1…)."""
    import importlib

    from django.apps import apps

    article = ArticleConvention.objects.get(document__slug="convention-caf-2016-2017", numero="2.1")
    perime = EngagementReciproque.objects.create(
        article=article,
        partenaire=article.engagements.get().partenaire,
        formule="Le Grand Dijon :",
        ordre=2,
        points="Porter le dispositif dédié d'accompagnement au relogement des ménages concernés (220 ménages).",
    )
    fiche = Fiche.objects.get(contrat__slug="seine-amont", slug="fiche-1-2")
    titre = DispositifMobilise.objects.create(fiche=fiche, ordre=8, texte="De manière spécifique, la Direccte :")
    garde = article.engagements.exclude(pk=perime.pk).get()
    migration = importlib.import_module("fiches.migrations.0003_lignes_retirees_des_conventions")
    migration.retirer(apps, None)
    assert not EngagementReciproque.objects.filter(pk=perime.pk).exists()
    assert not DispositifMobilise.objects.filter(pk=titre.pk).exists()
    assert EngagementReciproque.objects.filter(pk=garde.pk).exists()
    assert fiche.dispositifs_mobilises.count() == 21


# -- every line of the fiches of 002 and 004 is the source's -------------------------------------------

# Lines whose text is not one run of the source, each for a reason of its own.
JOINTS = {  # a sentence the source cuts by a page break, joined again
    "Toutefois, l'accès à la formation pose la question de la prise en charge financière",
    "Pass pro : 3ème- seconde (Choisy et Vitry)",
}


def _source_html(chemin):
    t = html.unescape(chemin.read_text(encoding="utf-8"))
    t = t.replace("m<sup>2</sup>", "m²")
    t = re.sub(r"<sup>(\d+)</sup>", r" (\1)", t)
    t = re.sub(r"<sup>([^<]+)</sup>|\^\{([^}]+)\}", lambda m: m.group(1) or m.group(2), t)
    t = re.sub(r"<[^>]+>", " ", t).replace("•", " ").replace("’", "'")
    return _serre(t)


def _serre(texte):
    texte = re.sub(r"\s+", " ", texte.replace("*", ""))
    return re.sub(r"\( ", "(", re.sub(r" ([,.;)])", r"\1", texte)).strip()


def _absentes(source, textes):
    absentes = []
    for texte in textes:
        for ligne in texte.splitlines():
            ligne = re.sub(
                r" — \(\d\) https?://\S+$", "", ligne.removeprefix("- ")
            )  # a footnote's text, after its call
            morceaux = (
                ligne.split(" — ") if ligne.startswith("Dispositifs de l'Etat — ") else [ligne]
            )  # heading — sub-heading
            for morceau in morceaux:
                m = _serre(morceau).rstrip(" .;:")
                if m and m not in source and m[1:] not in source and not any(m.startswith(j) for j in JOINTS):
                    absentes.append(ligne)
    return absentes


@pytest.mark.parametrize(
    "contrat,fichier",
    [("seine-amont", "002_fiches_operationnelles_seine_amont.txt"), ("grand-dijon", "004_protocole_2019_2022.txt")],
)
def test_every_line_of_the_fiches_is_the_source_s(conventions, contrat, fichier):
    from fiches.models import Engagement, Indicateur

    source = _source_html(Path(__file__).parent / "sources" / fichier)
    fiches = Fiche.objects.filter(contrat__slug=contrat)
    textes = []
    for f in fiches:
        textes += [
            f.intitule,
            f.constats,
            f.echelle,
            f.objectif_general,
            f.objectifs_operationnels,
            f.description,
            f.public,
            f.calendrier,
            f.resultats,
        ]
    textes += [d.groupe + "\n" + d.texte for d in DispositifMobilise.objects.filter(fiche__in=fiches)]
    textes += list(Intervenant.objects.filter(fiche__in=fiches).values_list("nom", flat=True))
    textes += list(Indicateur.objects.filter(fiche__in=fiches).values_list("libelle", flat=True))
    textes += [e.libelle + "\n" + e.texte for e in Engagement.objects.filter(fiche__in=fiches)]
    assert len(textes) > 100
    assert _absentes(source, textes) == []


def test_the_ctg_s_annexes_1_and_5_are_kept(conventions, connecter):
    ctg = Document.objects.get(contrat__slug="ctg-dijon", slug="ctg-2024-2027")
    annexes = {a.numero: a for a in ArticleConvention.objects.filter(document=ctg)}
    assert "- Diagnostic Jeunesse, CTG, janvier 2023 (40 pages)" in annexes["Annexe 1"].contexte
    assert "L'évaluation s'appuiera sur trois types d'outils :" in annexes["Annexe 5"].contexte
    page = connecter("admin").get("/contrats/ctg-dijon/").content.decode()
    assert "Annexe 5 — Evaluation" in page and "Article Annexe" not in page


def test_the_orientation_holding_the_transversal_pilier_says_it_is_not_the_document_s(conventions, connecter):
    from contrat.models import Orientation

    orientation = Orientation.objects.get(pilier__contrat__slug="grand-dijon", pilier__transversal=True)
    assert orientation.description.startswith(
        "Orientation technique : le document ne nomme pas d'orientation pour ce pilier"
    )
    page = connecter("chef.projet").get("/contrats/grand-dijon/arbre/").content.decode().replace("&#x27;", "'")
    assert f"<strong>{orientation.libelle}</strong>" in page
    assert "le document ne nomme pas d'orientation pour ce pilier" in page
    annexe = connecter("chef.projet").get("/contrats/grand-dijon/annexe-financiere/?annee=2015").content.decode()
    cellules = re.findall(r"<th[^>]*>\s*Enjeux transversaux\s*</th>", annexe)
    assert len(cellules) == 1 and 'colspan="2"' in cellules[0]  # the pilier spans the orientation's column


# The copy of 003 is an OCR of a scanned document: its words are compared, accents and ligatures aside.
SOURCE_003 = Path(__file__).parent / "sources" / "003_ctg_dijon_2024_2027.txt"
# Words the OCR glued, split or lost an accent of, that the transcription reads (« Delaconvergence »,
# « Frangaise », « cceuvrant », « 21 240 »…), and the words of the readings said in parentheses.
LECTURES_003 = {
    "aout",
    "convergence",
    "legales",
    "oeuvrant",
    "voute",
    "diplomantes",
    "maitrise",
    "beneficier",
    "problematiques",
    "accordees",
    "francaise",
    "xxiii",
    "21240",
    "lecture",
    "copie",
    "illisible",
    "disponible",
}


def _mots(texte, crochets=True):
    """Words of four letters or more, without accents; what stands between brackets is ours, not the document's."""
    import unicodedata

    if crochets:
        texte = re.sub(r"\[[^\]]*\]", " ", texte)
    texte = unicodedata.normalize("NFKD", texte.replace("œ", "oe").replace("’", "'")).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]{4,}", texte.lower())


def _textes_de_la_ctg():
    from contrat.models import Pilier
    from fiches.models import Equipement, Indicateur

    fiches = Fiche.objects.filter(contrat__slug="ctg-dijon")
    textes = []
    for f in fiches:
        textes += [
            f.numero,
            f.intitule,
            f.constats,
            f.objectif_general,
            f.objectifs_operationnels,
            f.description,
            f.public,
            f.calendrier,
            f.resultats,
        ]
    textes += list(Indicateur.objects.filter(fiche__in=fiches).values_list("libelle", flat=True))
    textes += list(Intervenant.objects.filter(fiche__in=fiches).values_list("nom", flat=True))
    for e in Equipement.objects.filter(contrat__slug="ctg-dijon"):
        textes += [e.type, e.nom, e.adresse, e.gestionnaire]
    for p in Pilier.objects.filter(contrat__slug="ctg-dijon"):
        textes += [p.intitule, p.presentation]
    for a in ArticleConvention.objects.filter(document__contrat__slug="ctg-dijon"):
        textes += [a.titre, a.contexte]
    return textes


def test_every_word_transcribed_from_the_ctg_is_in_its_copy(conventions):
    source = set(_mots(SOURCE_003.read_text(encoding="utf-8"), crochets=False)) | LECTURES_003
    lignes = [ligne for texte in _textes_de_la_ctg() for ligne in texte.splitlines()]
    assert len(lignes) > 800
    assert [(ligne, mots) for ligne in lignes if (mots := [m for m in _mots(ligne) if m not in source])] == []


def test_nothing_of_the_ctg_s_copy_is_dropped(conventions):
    """Each line of the copy finds its words in what we hold, but for three lines of the scan's noise: a
    portrait's caption in a picture (« Bourroches - Port du Canal ») and two lines broken by the OCR."""
    tenu = {m for texte in _textes_de_la_ctg() for m in _mots(texte, crochets=False)}  # a reading said counts
    from gouvernance.models import Instance, Membre

    for i in Instance.objects.filter(contrat__slug="ctg-dijon"):
        tenu.update(_mots(" ".join([i.nom, i.missions, i.composition, i.rythme_source])))
    tenu.update(m for membre in Membre.objects.filter(instance__contrat__slug="ctg-dijon") for m in _mots(str(membre)))
    tenu.update(_mots(Document.objects.get(contrat__slug="ctg-dijon").description))
    oubliees = []
    for numero, ligne in enumerate(SOURCE_003.read_text(encoding="utf-8").splitlines(), 1):
        mots = _mots(ligne, crochets=False)
        manque = [m for m in mots if m not in tenu]
        if len(manque) >= 2 and len(manque) >= len(mots) / 3:
            oubliees.append(numero)
    assert oubliees == [68, 1155, 1731]


def test_the_ctg_s_axes_keep_their_narrative_and_annexes_2_to_4_are_kept(conventions, connecter):
    from contrat.models import Pilier

    axes = {p.slug: p for p in Pilier.objects.filter(contrat__slug="ctg-dijon")}
    assert re.findall(r"^Axe n°\d", axes["axe-1"].presentation, re.M) == [f"Axe n°{n}" for n in range(1, 6)]
    assert (
        "Axe n°5. Ecrire le schéma pluriannuel de maintien et développement de l'offre et de la demande"
        in axes["axe-1"].presentation
    )
    assert (
        "Depuis 2001, la ville de Dijon a fait de l'Education une priorité essentielle." in axes["axe-2"].presentation
    )
    assert "- Accompagnement à la décohabitation" in axes["axe-3"].presentation
    assert "[Le document annonce 6 axes structurants ; la copie n'en nomme que 5.]" in axes["axe-4"].presentation
    annexes = {a.numero: a for a in ArticleConvention.objects.filter(document__contrat__slug="ctg-dijon")}
    assert list(annexes) == ["Annexe 1", "Annexe 2", "Annexe 2 bis", "Annexe 3", "Annexe 4", "Annexe 5"]
    assert "Plaquette-Petite-enfance_Juin2024.pdf" in annexes["Annexe 2 bis"].contexte
    # Annexe 3: the five frameworks the CTG is built at the meeting of.
    for cadre in (
        "Génération Dijon",
        "Le Projet Educatif de la ville de Dijon (PEDT) 2023/2026.",
        "Le Contrat de Ville 2024/2030 de Dijon métropole",
        "La Cité éducative de Dijon",
        "Le Schéma départemental des services aux familles",
    ):
        assert f"\n{cadre}\n" in annexes["Annexe 3"].contexte
    # Annexe 4: the three levels of coordination and the axes' thematic assignments.
    quatre = annexes["Annexe 4"].contexte
    for niveau in (
        "1. Un pilotage et une coordination générale placés auprès de la Direction générale déléguée à la Cohésion "
        "sociale.",
        "2. Une coordination thématique par axe est confortée avec l'organisation suivante :",
        "3. Une coordination territoriale en 9 territoires à Dijon.",
        "- Petite enfance confiée à la direction de la petite enfance",
        "- Enfance confiée à la direction de l'enfance et de l'éducation",
        "- Jeunesse confiée à la cellule jeunesse au sein de la future direction démocratie locale, vie associative, "
        "jeunesse",
        "- Animation de la vie sociale confiée au service démocratie locale de la future direction démocratie "
        "locale, vie associative, jeunesse",
    ):
        assert niveau in quatre.splitlines()
    page = html.unescape(connecter("admin").get("/contrats/ctg-dijon/").content.decode())
    assert "Annexe 4 — Modalités de pilotage stratégique et opérationnel et suivi de la Ctg" in page
    assert (
        "<p>Axe n°5. Ecrire le schéma pluriannuel de maintien et développement de l'offre et de la demande<br>" in page
    )


def test_the_chef_edits_a_pilier_s_presentation_and_history_keeps_it(conventions, connecter):
    from contrat.models import Pilier
    from noyau.models import Historique

    client = connecter("chef.projet")
    pilier = Pilier.objects.filter(contrat__slug="grand-dijon").order_by("ordre").first()
    url = f"/contrats/grand-dijon/arbre/pilier/{pilier.pk}/modifier/"
    page = html.unescape(client.get(url).content.decode())
    assert "Présentation (facultatif)" in page
    reponse = client.post(
        url,
        {
            "code": pilier.code,
            "intitule": pilier.intitule,
            "version": pilier.version,
            "presentation": "  Ce que le contrat dit de ce pilier.\nSur deux lignes.  ",
        },
    )
    assert reponse.status_code == 302
    pilier.refresh_from_db()
    assert pilier.presentation == "Ce que le contrat dit de ce pilier.\nSur deux lignes."
    arbre = html.unescape(client.get("/contrats/grand-dijon/arbre/").content.decode())
    assert (
        "Présentation dans le document" in arbre
        and "<p>Ce que le contrat dit de ce pilier.<br>Sur deux lignes.</p>" in arbre
    )
    entree = Historique.objects.filter(objet="pilier", objet_id=pilier.pk, action="modification").get()
    assert entree.apres["presentation"] == "Ce que le contrat dit de ce pilier.\nSur deux lignes."
    # An objectif has no presentation to edit.
    objectif = pilier.orientations.first().objectifs.first()
    page = client.get(f"/contrats/grand-dijon/arbre/objectif/{objectif.pk}/modifier/").content.decode()
    assert "Présentation" not in page
