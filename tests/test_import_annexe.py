"""Import of annexes financières from workbooks: reader, matching, all or nothing, round trip, browser."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from contrat.models import Contrat, Objectif, Orientation, Partenaire, Pilier
from engagements import exports
from engagements.annexe import Annexe
from engagements.models import AnnexeFinanciere, Dispositif, Estimation
from importation.annexe import analyser, decouper_objectifs
from importation.lecture_classeur import champ_entete, lire_montant
from importation.models import ImportAnnexe
from noyau import versions as services
from noyau.models import Historique
from tests.classeurs import (
    IMPAYES,
    NBSP,
    NNBSP,
    SEED,
    annexe_caf_2015,
    annexe_simple,
    avec_valeurs_en_cache,
    en_octets,
    rang,
    seed_avec_logement_a_15000,
)

MODELES = [Pilier, Orientation, Objectif, Dispositif, Estimation, AnnexeFinanciere, Historique, ImportAnnexe]


def etat():
    """Every row the import could touch, serialised: equal means the database is exactly as before."""
    return {m.__name__: serializers.serialize("json", m.objects.order_by("pk")) for m in MODELES} | {
        "objectifs": list(
            Dispositif.objectifs.through.objects.order_by("pk").values_list("pk", "dispositif", "objectif")
        )
    }


@pytest.fixture
def essai(conventions):
    """An empty contract the CAF signs: the tree and the lines all come from the file."""
    return Contrat.objects.create(
        nom="Contrat d'essai", slug="essai", territoire="Essai", annee_debut=2015, annee_fin=2020
    )


@pytest.fixture
def fichier(tmp_path):
    def _fichier(contenu, nom="annexe.xlsx"):
        chemin = tmp_path / nom
        chemin.write_bytes(contenu)
        return str(chemin)

    return _fichier


def importer(chemin, contrat="essai", partenaire="caf-21", commit=True):
    sortie = io.StringIO()
    call_command("import_annexe", chemin, contrat=contrat, partenaire=partenaire, commit=commit, stdout=sortie)
    return sortie.getvalue()


def lignes_de(contrat, annee=2015):
    """The annexe as its rows print: tree, service, intitulé, unité, amounts, remarks."""
    annexe = Annexe(contrat, annee, Partenaire.objects.get(slug="caf-21"))
    lignes = []
    for e in annexe.estimations:
        d = e.dispositif
        objectifs = sorted(
            f"{o.orientation.pilier.libelle} / {o.orientation.libelle} / {o.libelle}" for o in d.objectifs.all()
        )
        lignes.append(
            (
                objectifs,
                d.partenaire.sigle,
                d.libelle,
                d.unite_compte,
                e.montant_annuel,
                e.remarques,
                e.montant_pluriannuel,
                e.periode,
            )
        )
    return annexe, lignes


# -- seed 000 ------------------------------------------------------------------------


@pytest.mark.parametrize("une_feuille_par_page", [False, True], ids=["une-feuille", "une-feuille-par-page"])
def test_the_seed_000_layout_is_imported_to_the_euro(essai, fichier, une_feuille_par_page):
    sortie = importer(fichier(annexe_caf_2015(une_feuille_par_page)))
    assert "Import enregistré" in sortie
    assert "Somme des lignes : 43 130 000 € (annuel), 129 530 000 € (pluriannuel)" in sortie

    annexe, lignes = lignes_de(essai)
    assert annexe.total_annuel == Decimal("43130000") and annexe.total_pluriannuel == Decimal("129530000")
    # The whole tree of the signed annexe, objectifs without lines included.
    assert Pilier.objects.filter(contrat=essai).count() == 4
    assert Orientation.objects.filter(pilier__contrat=essai).count() == 8
    assert Objectif.objects.filter(orientation__pilier__contrat=essai).count() == 24
    assert Pilier.objects.get(contrat=essai, intitule="Enjeux Transversaux").transversal
    # The annexe names no orientation there: the one that holds its objectifs says it is technical.
    technique = Orientation.objects.get(pilier__contrat=essai, pilier__transversal=True)
    assert technique.description.startswith("Orientation technique : le document ne nomme pas d'orientation")
    assert (
        not Orientation.objects.filter(pilier__contrat=essai, pilier__transversal=False)
        .exclude(description="")
        .exists()
    )

    # Line by line, the same as the convention loaded from the fixtures (itself transcribed from seed 000).
    _, attendues = lignes_de(Contrat.objects.get(slug="grand-dijon"))
    assert len(lignes) == 37
    assert [ligne[1:] for ligne in lignes] == [ligne[1:] for ligne in attendues]
    assert [[o.lower() for o in ligne[0]] for ligne in lignes] == [[o.lower() for o in ligne[0]] for ligne in attendues]

    projet = Dispositif.objects.get(contrat=essai, intitule="agence immobilière à vocation sociale")
    assert projet.statut == Dispositif.Statut.EN_PROJET
    assert projet.estimations.get().montant_annuel is None  # empty, not 0
    asre = Estimation.objects.get(dispositif__contrat=essai, dispositif__intitule="ASRE (NAP)")
    assert asre.montant_annuel is None and asre.montant_pluriannuel is None
    logement = Dispositif.objects.get(contrat=essai, intitule="logement non décent")
    assert sorted(logement.objectifs.values_list("code", flat=True)) == ["2-a", "2-b", "2-c"]
    referent = Dispositif.objects.get(contrat=essai, intitule="Poste référent PLV 0,5 ETP")
    assert not referent.objectifs.exists() and referent.partenaire.slug == "caf-21"
    centres = Dispositif.objects.filter(
        contrat=essai, intitule="Agrément et Financements des centres sociaux sur les QPV,"
    )
    assert centres.count() == 2  # the merged intitulé spans its two lines

    document = AnnexeFinanciere.objects.get(contrat=essai, partenaire__slug="caf-21", annee=2015)
    assert (document.periode_debut, document.periode_fin) == (2015, 2017)
    assert document.liste_notes[0].startswith("*Les montants mentionnés sont des estimations")
    assert len(document.liste_notes) == 3
    assert document.reserve == "Sous réserve du maintien des dispositifs de droit commun et des dotations"
    # Every created line is in the history, as if typed.
    assert Historique.objects.filter(contrat_id=essai.pk, action="creation", objet="dispositif").count() == 37
    assert Historique.objects.filter(contrat_id=essai.pk, action="creation", objet="estimation").count() == 37


def test_the_seed_workbook_changes_nothing_in_the_loaded_convention(conventions):
    rapport = analyser(annexe_caf_2015(), conventions, Partenaire.objects.get(slug="caf-21"))
    assert rapport.accepte, rapport.texte()
    assert rapport.compte["creation"] == rapport.compte["modification"] == rapport.compte["absent"] == 0
    assert rapport.compte["inchange"] == 38  # 37 lines and the annexe itself


def test_a_dry_run_writes_nothing(essai, fichier):
    avant = etat()
    sortie = importer(fichier(annexe_caf_2015()), commit=False)
    # 4 piliers, 8 orientations, 24 objectifs, 37 lines and the annexe: listed with their sheet and row.
    assert "74 à créer, 0 à mettre à jour" in sortie and "Essai à blanc : rien n'a été écrit" in sortie
    assert f"feuille « Annexe CAF », ligne {rang(SEED, 'financement du FSL')})" in sortie
    assert etat() == avant


def test_commit_twice_gives_the_same_data(essai, fichier):
    chemin = fichier(annexe_caf_2015())
    importer(chemin)
    apres_le_premier = etat()
    sortie = importer(chemin)
    assert "0 à créer, 0 à mettre à jour, 38 inchangé(s)" in sortie
    assert etat() == apres_le_premier  # no row, no version, no history entry more


def test_a_refused_import_leaves_the_database_exactly_as_before(conventions, fichier):
    wb = load_workbook(io.BytesIO(annexe_caf_2015()))
    ws = wb["Annexe CAF"]
    # One bad cell among 37 good lines: the amount of "financement du FSL" (page 1).
    fsl = rang(ws, "financement du FSL")
    ws[f"G{fsl}"] = "quatre mille cinq cents"
    avant = etat()
    with pytest.raises(CommandError):
        importer(fichier(en_octets(wb)), contrat="grand-dijon")
    assert etat() == avant
    rapport = analyser(en_octets(wb), Contrat.objects.get(slug="grand-dijon"), Partenaire.objects.get(slug="caf-21"))
    assert [str(e) for e in rapport.erreurs] == [
        f"feuille « Annexe CAF », ligne {fsl}, colonne G (Estimation de la valorisation financière annuelle) : "
        "« quatre mille cinq cents » — montant illisible : écrivez-le en chiffres (12 100 000 € ou 1 234,50), "
        "ou « pas de données chiffrées à ce jour » s'il n'est pas connu."
    ]


def test_a_changed_amount_is_an_update_recorded_in_the_history(conventions, fichier):
    estimation = Estimation.objects.get(dispositif__code="caf-2015-03", annee=2015)
    sortie = importer(fichier(seed_avec_logement_a_15000()), contrat="grand-dijon")
    assert "0 à créer, 1 à mettre à jour, 37 inchangé(s)" in sortie
    assert "valorisation financière annuelle (€) : 14 000 € → 15 000 €" in sortie
    estimation.refresh_from_db()
    assert estimation.montant_annuel == Decimal("15000") and estimation.version == 2
    entree = Historique.objects.filter(objet="estimation", objet_id=estimation.pk).get()
    assert entree.action == "modification" and entree.avant["montant_annuel"] == "14000.00"


def test_the_applications_own_export_is_imported_back_to_the_same_annexe(essai, fichier):
    grand_dijon = Contrat.objects.get(slug="grand-dijon")
    caf = Partenaire.objects.get(slug="caf-21")
    export = exports.annexe_xlsx(Annexe(grand_dijon, 2015, caf), timezone.localdate())
    sortie = importer(fichier(export))
    assert "TOTAL financements CAF est une formule sans valeur enregistrée" in sortie  # =SUM() is not trusted

    annexe, lignes = lignes_de(essai)
    origine, attendues = lignes_de(grand_dijon)
    assert lignes == attendues
    assert (annexe.total_annuel, annexe.total_pluriannuel) == (Decimal("43130000"), Decimal("129530000"))
    assert [b.pilier.libelle for b in annexe.piliers] == [b.pilier.libelle for b in origine.piliers]
    assert annexe.notes == origine.notes
    # And its export imported into the convention itself changes nothing.
    rapport = analyser(export, grand_dijon, caf)
    assert rapport.accepte and not rapport.a_ecrire


# -- the reader ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "texte, champ",
    [
        ("PILIER", "pilier"),
        ("PILERS", "pilier"),
        ("Piliers", "pilier"),
        ("ORIENTATIONS STRATÉGIQUES", "orientation"),
        ("orientations\nstrategiques", "orientation"),
        ("OBJECTIFS OPERATIONNELS", "objectifs"),
        ("Objectfs opérationels", "objectifs"),
        ("Service responsable\ndu financement", "service"),
        ("SERVICE RESPONSABLE DU FINANCEMENT", "service"),
        ("Intitulé du dispositif / Offre de services", "intitule"),
        ("INTITULE DU DISPOSITIF", "intitule"),
        ("Unité de compte (le cas échéant)", "unite"),
        ("Estimation de la valorisation\nfinancière annuelle 2015*", "annuel"),
        ("Remarques", "remarques"),
        ("Montant estimatif pour 2015-2017*", "pluri"),
        ("GRAND DIJON", None),
    ],
)
def test_the_header_is_found_whatever_its_case_accents_line_breaks_or_typos(texte, champ):
    assert champ_entete(texte) == champ


@pytest.mark.parametrize(
    "valeur, attendu",
    [
        (7500, (Decimal("7500"), "")),
        (1234.5, (Decimal("1234.50"), "")),
        (0.1 + 0.2, (Decimal("0.30"), "")),  # a spreadsheet's float noise, far below the cent
        ("12 100 000 €", (Decimal("12100000"), "")),
        (f"12{NBSP}100{NBSP}000{NBSP}€", (Decimal("12100000"), "")),
        (f"12{NNBSP}100{NNBSP}000 €", (Decimal("12100000"), "")),
        ("1 234,50", (Decimal("1234.50"), "")),
        ("42 950 euros", (Decimal("42950"), "")),
        ("", (None, "")),
        (None, (None, "")),
        ("pas de données chiffrées à ce jour", (None, "pas de données chiffrées à ce jour")),
        ("Pas de données chiffrés à ce jour", (None, "Pas de données chiffrés à ce jour")),
        ("NC", (None, "NC")),
    ],
)
def test_amounts_as_numbers_french_text_or_words(valeur, attendu):
    assert lire_montant(valeur) == attendu


@pytest.mark.parametrize(
    "valeur, motif",
    [
        ("quatre mille", "montant illisible"),
        ("-7 500 €", "ne peut pas être négatif"),
        (-7500, "ne peut pas être négatif"),
        ("7 500,123", "au plus deux décimales"),
        (True, "case à cocher"),
    ],
)
def test_an_unreadable_amount_says_why_in_french(valeur, motif):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as erreur:
        lire_montant(valeur)
    assert motif in erreur.value.messages[0]


@given(
    st.decimals(min_value=0, max_value=Decimal("99999999999.99"), places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from([" ", NBSP, NNBSP, "\u2009"]),
    st.booleans(),
)
@settings(max_examples=200)
def test_any_amount_written_the_french_way_reads_back_to_the_cent(montant, espace, avec_euro):
    entier, _, centimes = f"{montant:.2f}".partition(".")
    texte = f"{int(entier):,}".replace(",", espace) + ("" if centimes == "00" else f",{centimes}")
    if avec_euro:
        texte += f"{espace}€"
    assert lire_montant(texte) == (montant, "")


def test_codes_and_several_objectifs_in_one_cell():
    assert decouper_objectifs(
        "2-a) Assurer la qualité de service (GUSP, espace commun...) 2-b) Assurer la tranquillité publique "
        "2-c) Poursuivre l'amélioration de la qualité de l'espace public"
    ) == [
        ("2-a", "Assurer la qualité de service (GUSP, espace commun...)"),
        ("2-b", "Assurer la tranquillité publique"),
        ("2-c", "Poursuivre l'amélioration de la qualité de l'espace public"),
    ]
    assert decouper_objectifs("1 - a) Favoriser\n1-b. Renforcer") == [("1-a", "Favoriser"), ("1-b", "Renforcer")]
    assert decouper_objectifs("Lutte contre les discriminations") == [("", "Lutte contre les discriminations")]


def test_a_total_that_disagrees_with_the_lines_is_reported_and_nothing_written(conventions, fichier):
    avant = etat()
    rapport = analyser(annexe_caf_2015(total="43 131 000 €"), conventions, Partenaire.objects.get(slug="caf-21"))
    assert not rapport.accepte
    assert [str(e) for e in rapport.erreurs] == [
        f"feuille « Annexe CAF », ligne {rang(SEED, 'TOTAL financements CAF', 1)}, colonne G (Estimation de la "
        "valorisation financière annuelle) : « TOTAL financements CAF » — le TOTAL annuel du fichier (43 131 000 €) ne "
        "correspond pas à la somme des lignes (43 130 000 €) : écart de 1 000 €. Corrigez le total ou les lignes."
    ]
    with pytest.raises(CommandError):
        importer(fichier(annexe_caf_2015(total="43 131 000 €")), contrat="grand-dijon")
    assert etat() == avant


LIGNE = (
    "Pilier Cohésion sociale",
    "1 - CONCOURIR A LA REUSSITE EDUCATIVE",
    "1-a) Favoriser les relations parents/enfants/Institutions",
    "CAF",
)


def test_formula_values_are_read_but_never_trusted_for_the_total(essai):
    wb = annexe_simple(
        [
            (*LIGNE, "CLAS", "", None, "", None),
            (*LIGNE, "REAAP", "", 6800, "", 20400),
            ("TOTAL financements CAF",),
        ]
    )
    for cellule, formule in {"G4": "=231000", "I4": "=G4*3", "G6": "=SUM(G4:G5)", "I6": "=SUM(I4:I5)"}.items():
        wb.active[cellule] = formule  # real formulas, as a partner's spreadsheet has them
    caf = Partenaire.objects.get(slug="caf-21")
    sans_cache = analyser(en_octets(wb), essai, caf)
    assert [e.motif for e in sans_cache.erreurs] == [
        "formule sans valeur calculée : ouvrez le fichier dans un tableur "
        "et enregistrez-le, ou remplacez la formule par sa valeur."
    ] * 2
    assert sans_cache.erreurs[0].colonne.startswith("G ") and sans_cache.erreurs[1].colonne.startswith("I ")

    # As saved by a spreadsheet application: the cached values are read, the cached total is checked.
    juste = avec_valeurs_en_cache(en_octets(wb), {"G4": "231000", "I4": "693000", "G6": "237800", "I6": "713400"})
    rapport = analyser(juste, essai, caf)
    assert rapport.accepte, rapport.texte()
    assert (rapport.total_annuel, rapport.total_pluriannuel) == (Decimal("237800"), Decimal("713400"))
    faux = avec_valeurs_en_cache(en_octets(wb), {"G4": "231000", "I4": "693000", "G6": "999999", "I6": "713400"})
    assert "ne correspond pas à la somme des lignes (237 800 €)" in str(analyser(faux, essai, caf).erreurs[0])


def test_a_subtotal_is_checked_against_the_lines_of_its_pilier(essai):
    lignes = [(*LIGNE, "CLAS", "", 231000, "", 693000), (*LIGNE, "REAAP", "", 6800, "", 20400)]
    caf = Partenaire.objects.get(slug="caf-21")
    juste = annexe_simple(
        [*lignes, ("Sous-total Pilier Cohésion sociale", "", "", "", "", "", "237 800 €", "", 713400)]
    )
    assert analyser(en_octets(juste), essai, caf).accepte
    faux = annexe_simple([*lignes, ("Sous-total Pilier Cohésion sociale", "", "", "", "", "", "237 000 €", "", 713400)])
    erreurs = analyser(en_octets(faux), essai, caf).erreurs
    assert [(e.ligne, e.colonne[:1]) for e in erreurs] == [(6, "G")]
    assert (
        "le sous-total annuel du fichier (237 000 €) ne correspond pas à la somme des lignes (237 800 €)"
        in erreurs[0].motif
    )


def test_an_unknown_partner_is_an_error_naming_its_cell(essai):
    wb = annexe_simple(
        [(*LIGNE, "CLAS", "", 231000, "", 693000), (*LIGNE[:3], "CPAM 21", "Bilans", "", 1000, "", 3000)]
    )
    rapport = analyser(en_octets(wb), essai, Partenaire.objects.get(slug="caf-21"))
    assert [(e.ligne, e.colonne, e.valeur) for e in rapport.erreurs] == [
        (5, "D (Service responsable du financement)", "CPAM 21")
    ]
    assert "partenaire inconnu" in rapport.erreurs[0].motif
    # Another partner of the contract, by its sigle or its name, is accepted.
    grand_dijon = Contrat.objects.get(slug="grand-dijon")
    wb = annexe_simple([(*LIGNE[:3], "Pôle emploi", "Bilans", "", 1000, "", 3000)])
    rapport = analyser(en_octets(wb), grand_dijon, Partenaire.objects.get(slug="caf-21"))
    assert rapport.accepte and rapport._plan.dispositifs[0][0].partenaire.slug == "pole-emploi"


def test_missing_tree_elements_are_created_and_listed(conventions):
    wb = annexe_simple(
        [
            (
                "Pilier Cohésion sociale",
                "4 - FAVORISER LA CULTURE",
                "4-a) Ouvrir les médiathèques",
                "CAF",
                "Ludothèque",
                "",
                5000,
                "",
                15000,
            ),
        ]
    )
    rapport = analyser(en_octets(wb), conventions, Partenaire.objects.get(slug="caf-21"))
    assert [(a.objet, a.libelle) for a in rapport.creations][:2] == [
        ("orientation stratégique", "4 - FAVORISER LA CULTURE"),
        ("objectif opérationnel", "4-a) Ouvrir les médiathèques"),
    ]
    assert rapport.creations[2].objet == "dispositif" and rapport.creations[2].ou == "feuille « Annexe », ligne 4"
    # The other CAF lines of 2015 are not in this file: listed, left alone.
    assert len(rapport.absents) == 37


def test_a_sheet_without_header_is_named_in_the_report(essai):
    wb = annexe_simple([(*LIGNE, "CLAS", "", 231000, "", 693000)])
    wb.create_sheet("Commentaires")["A1"] = "Annexe envoyée par la CAF le 3 juin"
    wb["Commentaires"]["A2"] = "À valider en comité technique"
    rapport = analyser(en_octets(wb), essai, Partenaire.objects.get(slug="caf-21"))
    assert rapport.accepte
    assert rapport.avertissements == ["feuille « Commentaires » : aucune ligne d'en-tête, la feuille n'a pas été lue."]


def test_the_year_must_be_stated(essai):
    wb = annexe_simple([(*LIGNE, "CLAS", "", 231000, "", 693000)])
    wb.active["G3"] = "Estimation de la valorisation financière annuelle"
    rapport = analyser(en_octets(wb), essai, Partenaire.objects.get(slug="caf-21"))
    assert "l'année de l'estimation est introuvable" in rapport.erreurs[0].motif


# -- bad input -------------------------------------------------------------------------


def _chiffre(contenu):
    import msoffcrypto.format.ooxml

    sortie = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(contenu)).encrypt("secret", sortie)
    return sortie.getvalue()


def _ods():
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return sortie.getvalue()


def _docx():
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return sortie.getvalue()


FICHIERS_REFUSES = {
    "pdf": (lambda: b"%PDF-1.4\n1 0 obj\n", "n'est pas un classeur Excel (.xlsx)"),
    "texte": (lambda: "PILIER;ORIENTATIONS\n".encode(), "n'est pas un classeur Excel (.xlsx)"),
    "docx": (_docx, "n'est pas un classeur Excel (.xlsx)"),
    "ods": (_ods, "format OpenDocument (.ods)"),
    "xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "format Excel 97-2003 (.xls)"),
    "chiffre": (lambda: _chiffre(annexe_caf_2015()), "protégé par un mot de passe"),
    "tronque": (lambda: annexe_caf_2015()[:4000], "endommagé"),
    "abime": (lambda: annexe_caf_2015().replace(b"xl/workbook.xml", b"xl/workbook.xmX", 1)[:-30], "endommagé"),
}


@pytest.mark.parametrize("nature", sorted(FICHIERS_REFUSES))
def test_a_file_that_is_not_a_readable_workbook_is_refused_with_a_clear_message(conventions, fichier, nature):
    fabrique, message = FICHIERS_REFUSES[nature]
    contenu = fabrique()
    avant = etat()
    rapport = analyser(contenu, conventions, Partenaire.objects.get(slug="caf-21"))
    assert message in rapport.refus
    with pytest.raises(CommandError):
        importer(fichier(contenu), contrat="grand-dijon")
    assert etat() == avant


def test_size_and_row_limits_are_stated_in_the_message(conventions, settings):  # pytest-django's, not hypothesis'
    caf = Partenaire.objects.get(slug="caf-21")
    contenu = annexe_caf_2015()
    settings.IMPORT_TAILLE_MAX = 5 * 1024
    assert len(contenu) > 5 * 1024
    assert analyser(contenu, conventions, caf).refus == (
        f"Le fichier pèse {len(contenu) / 1024:.1f} Ko : la limite est de 5 Ko. "
        "Découpez l'annexe en plusieurs fichiers.".replace(".", ",", 1)
    )

    settings.IMPORT_TAILLE_MAX = 5 * 1024 * 1024
    settings.IMPORT_LIGNES_MAX = 50
    long = annexe_simple([(*LIGNE, f"ligne {i}", "", i, "", i) for i in range(1, 60)])
    assert analyser(en_octets(long), conventions, caf).refus == (
        "feuille « Annexe » : 62 lignes, au-delà de la limite de 50 lignes d'un import. "
        "Découpez l'annexe en plusieurs fichiers."
    )


@pytest.mark.parametrize("texte", ["CLAS\u202e", "CLAS_x0007_ bis", "CLAS\x7f", "CLAS\x85"])
def test_control_characters_are_refused_with_their_cell(essai, texte):
    wb = annexe_simple([(*LIGNE, texte, "", 231000, "", 693000)])
    rapport = analyser(en_octets(wb), essai, Partenaire.objects.get(slug="caf-21"))
    assert [(e.feuille, e.ligne, e.colonne) for e in rapport.erreurs] == [("Annexe", 4, "E")]
    assert "caractères de contrôle invisibles" in rapport.erreurs[0].motif


def test_a_carriage_return_escape_is_ordinary_text(essai):
    wb = annexe_simple([(*LIGNE, "CLAS_x000D_", "", 231000, "", 693000)])
    rapport = analyser(en_octets(wb), essai, Partenaire.objects.get(slug="caf-21"))
    assert rapport.accepte and rapport._plan.dispositifs[0][0].intitule == "CLAS"


def test_text_that_looks_like_a_formula_is_stored_as_text_and_inert_in_every_export(essai, client, comptes, fichier):
    hostiles = ['=HYPERLINK("http://exemple.invalid","clic")', "@SUM(A1:A9)", "+33 1 23 45 67 89", "-1+1"]
    wb = annexe_simple(
        [
            (*LIGNE, hostiles[0], hostiles[1], 231000, hostiles[2], 693000),
            (*LIGNE, "REAAP", "", 6800, hostiles[3], 20400),
        ]
    )
    importer(fichier(en_octets(wb)))
    d = Dispositif.objects.get(contrat=essai, intitule=hostiles[0])
    assert (d.unite_compte, d.remarque) == (hostiles[1], hostiles[2])

    classeur = load_workbook(
        io.BytesIO(
            exports.annexe_xlsx(Annexe(essai, 2015, Partenaire.objects.get(slug="caf-21")), timezone.localdate())
        )
    )
    cellules = {c.value: c for ligne in classeur.active.iter_rows() for c in ligne if c.value in hostiles}
    assert set(cellules) == set(hostiles)
    assert all(c.data_type == "s" and c.quotePrefix for c in cellules.values())

    client.force_login(comptes["admin"])
    reponse = client.get("/estimations/export.csv?contrat=essai")
    csv = reponse.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv and ";=HYPERLINK" not in csv
    liste = load_workbook(io.BytesIO(client.get("/dispositifs/export.xlsx?contrat=essai").content)).active
    formules = [c for ligne in liste.iter_rows() for c in ligne if c.data_type == "f"]
    assert formules == []


# -- in the browser --------------------------------------------------------------------


def _deposer(client, contenu, partenaire="caf-21", nom="annexe.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/contrats/grand-dijon/annexe-financiere/importer/",
        {
            "partenaire": partenaire,
            "fichier": SimpleUploadedFile(nom, contenu, content_type="application/octet-stream"),
        },
    )


def test_the_chef_de_projet_previews_then_confirms(connecter):
    logement = rang(SEED, "logement non décent")
    client = connecter("chef.projet")
    assert client.get("/contrats/grand-dijon/annexe-financiere/importer/").status_code == 200
    avant = etat()
    apercu = _deposer(client, seed_avec_logement_a_15000())
    assert apercu.status_code == 200
    page = apercu.content.decode()
    assert "0 à créer, 1 à mettre à jour, 37 inchangés, 0 absent du fichier (laissé tel quel)" in page
    assert "14 000 € → 15 000 €" in page and f"feuille « Annexe CAF », ligne {logement}" in page
    assert "Confirmer l'import" in page
    # The preview wrote no data: only the uploaded file is kept, for the confirmation.
    assert {k: v for k, v in etat().items() if k != "ImportAnnexe"} == {
        k: v for k, v in avant.items() if k != "ImportAnnexe"
    }
    assert ImportAnnexe.objects.count() == 1

    depot = ImportAnnexe.objects.get()
    reponse = client.post(f"/imports/{depot.pk}/confirmer/", {"empreinte": apercu.context["rapport"].empreinte})
    assert reponse.status_code == 302 and reponse["Location"].endswith("?partenaire=caf-21&annee=2015")
    assert Estimation.objects.get(dispositif__code="caf-2015-03", annee=2015).montant_annuel == Decimal("15000")
    depot.refresh_from_db()
    assert depot.applique_le is not None and "1 à mettre à jour" in depot.resume
    annexe = client.get(reponse["Location"]).content.decode()
    assert "43 131 000 €" in annexe and "Import enregistré : 0 création(s), 1 mise(s) à jour" in annexe
    # Confirming again writes nothing more.
    client.post(f"/imports/{depot.pk}/confirmer/", {"empreinte": apercu.context["rapport"].empreinte})
    assert Historique.objects.filter(objet="estimation", action="modification").count() == 1


def test_a_refused_file_shows_every_error_and_keeps_nothing(connecter):
    wb = load_workbook(io.BytesIO(annexe_caf_2015()))
    fsl = rang(SEED, "financement du FSL")
    wb["Annexe CAF"][f"G{fsl}"] = "quatre mille cinq cents"
    wb["Annexe CAF"][f"D{rang(SEED, IMPAYES)}"] = "CPAM"
    avant = etat()
    reponse = _deposer(connecter("chef.projet"), en_octets(wb))
    assert reponse.status_code == 422
    page = reponse.content.decode()
    assert "2 erreurs : rien n'a été écrit" in page
    assert f"<td>Annexe CAF</td><td>{fsl}</td><td>G (Estimation de la valorisation financière annuelle)</td>" in page
    assert "Confirmer" not in page
    assert etat() == avant
    sans_fichier = connecter("chef.projet").post(
        "/contrats/grand-dijon/annexe-financiere/importer/", {"partenaire": "caf-21"}
    )
    assert sans_fichier.status_code == 400 and "Choisissez le fichier à importer." in sans_fichier.content.decode()
    non_classeur = _deposer(connecter("chef.projet"), b"%PDF-1.4", nom="annexe.pdf")
    assert non_classeur.status_code == 422 and "n&#x27;est pas un classeur Excel" in non_classeur.content.decode()


def test_a_stale_preview_is_not_applied(connecter, comptes):
    client = connecter("chef.projet")
    apercu = _deposer(client, seed_avec_logement_a_15000())
    # Meanwhile the CAF's agent changes the same line.
    estimation = Estimation.objects.get(dispositif__code="caf-2015-03", annee=2015)
    estimation.montant_annuel = Decimal("16000")
    services.modifier(comptes["agent.caf"], estimation, estimation.version)
    reponse = client.post(
        f"/imports/{ImportAnnexe.objects.get().pk}/confirmer/", {"empreinte": apercu.context["rapport"].empreinte}
    )
    assert reponse.status_code == 409
    assert "Les données ont changé depuis l'aperçu" in reponse.content.decode()
    assert "16 000 € → 15 000 €" in reponse.content.decode()
    assert Estimation.objects.get(pk=estimation.pk).montant_annuel == Decimal("16000")


@pytest.mark.parametrize("role", ["agent.caf", "lecteur", "agent.pole-emploi"])
def test_only_the_chef_de_projet_imports(connecter, role):
    chef_apercu = _deposer(connecter("chef.projet"), annexe_caf_2015())
    depot = ImportAnnexe.objects.get()
    avant = etat()
    client = connecter(role)
    assert _deposer(client, annexe_caf_2015()).status_code == 403
    reponse = client.post(f"/imports/{depot.pk}/confirmer/", {"empreinte": chef_apercu.context["rapport"].empreinte})
    assert reponse.status_code == 403
    assert etat() == avant
