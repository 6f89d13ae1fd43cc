from decimal import Decimal

from django.core.management import call_command
from django.db.models import Sum

from contrat.models import Commune, Contrat, Document, Objectif, Partenaire, PerimetreQuartier, Signataire
from engagements.models import AnnexeFinanciere, ArticleConvention, Dispositif, EngagementReciproque, Estimation
from fiches.models import DispositifMobilise, Engagement, Equipement, Fiche, Indicateur, Intervenant

MODELES = [
    Partenaire,
    Commune,
    Contrat,
    PerimetreQuartier,
    Document,
    Signataire,
    Objectif,
    Dispositif,
    Estimation,
    AnnexeFinanciere,
    ArticleConvention,
    EngagementReciproque,
    Fiche,
    Intervenant,
    Engagement,
    DispositifMobilise,
    Indicateur,
    Equipement,
]


def test_loading_the_fixtures_twice_creates_no_duplicate(conventions):
    avant = {m.__name__: m.objects.count() for m in MODELES}
    call_command("charger_conventions", verbosity=0)
    apres = {m.__name__: m.objects.count() for m in MODELES}
    assert apres == avant
    assert all(avant.values()), avant


def test_the_stable_slugs_exist(conventions):
    assert conventions.slug == "grand-dijon"
    for slug in ["caf-21", "pole-emploi", "dijon-metropole", "etat"]:
        assert Partenaire.objects.filter(slug=slug).exists(), slug
    assert Partenaire.objects.get(slug="caf-21").nom == "Caisse d'Allocations Familiales de la Côte-d'Or"


def test_grand_dijon_perimeter_and_signatories(conventions):
    assert conventions.annee_debut == 2015 and conventions.annee_fin == 2020
    assert conventions.annee_fin_prolongation == 2022
    assert sorted(conventions.communes.values_list("nom", flat=True)) == [
        "Chenôve",
        "Dijon",
        "Longvic",
        "Quetigny",
        "Talant",
    ]
    qpv = conventions.perimetre.filter(nature="prioritaire").values_list("quartier__nom", flat=True)
    veille = conventions.perimetre.filter(nature="veille").values_list("quartier__nom", flat=True)
    assert sorted(qpv) == ["Fontaine d'Ouche", "Le Belvédère", "Le Bief du Moulin", "Le Mail", "Les Grésilles"]
    assert sorted(veille) == ["Centre-ville", "Guynemer"]
    protocole = conventions.documents.get(slug="protocole-2019-2022")
    assert protocole.signataires.count() == 19
    caf = protocole.signataires.get(partenaire__slug="caf-21")
    assert caf.representant == "Mme Caroline MICHAL"
    assert {d.nature for d in conventions.documents.all()} == {
        "contrat_cadre",
        "annexe_financiere",
        "protocole",
        "convention",
    }


def test_the_caf_annexe_has_its_35_amounts_and_its_lines_without_amount(conventions):
    estimations = Estimation.objects.filter(dispositif__contrat=conventions, partenaire__slug="caf-21", annee=2015)
    assert estimations.count() == 37
    assert estimations.exclude(montant_annuel=None).count() == 35
    assert estimations.exclude(montant_pluriannuel=None).count() == 35
    assert estimations.aggregate(a=Sum("montant_annuel"), p=Sum("montant_pluriannuel")) == {
        "a": Decimal("43130000"),
        "p": Decimal("129530000"),
    }
    sans_montant = estimations.filter(montant_annuel=None)
    assert {e.dispositif.intitule for e in sans_montant} == {"agence immobilière à vocation sociale", "ASRE (NAP)"}
    assert sans_montant.get(dispositif__intitule="ASRE (NAP)").dispositif.unite_compte.startswith(
        "pas de données chiffr"
    )
    assert Dispositif.objects.get(intitule="agence immobilière à vocation sociale").statut == "en_projet"
    annexe = AnnexeFinanciere.objects.get(contrat=conventions, partenaire__slug="caf-21")
    assert annexe.liste_notes == [
        "*Les montants mentionnés sont des estimations et n'engagent pas contractuellement la CAF",
        "COG 2013-2017 pas de visibilité sur les dispositifs au-delà de 2017",
        "Ne sont pas inclus dans la projection, les territoires de veille.",
    ]


def test_a_line_of_the_annexe_can_serve_several_objectifs(conventions):
    logement = Dispositif.objects.get(intitule="logement non décent")
    assert sorted(logement.objectifs.values_list("code", flat=True)) == ["2-a", "2-b", "2-c"]


def test_the_convention_commitments_are_kept_party_by_party(conventions):
    convention = conventions.documents.get(slug="convention-caf-2016-2017")
    assert list(convention.articles.values_list("numero", flat=True)) == [
        "1",
        "2",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
        "3",
        "4",
        "5",
    ]
    article_1 = convention.articles.get(numero="1")
    # As the source lists them: the CAF's four points, the Grand Dijon's, the CAF's, the Grand Dijon's two.
    parties = [(e.partenaire.slug, len(e.liste_points)) for e in article_1.engagements.all()]
    assert parties == [("caf-21", 4), ("dijon-metropole", 1), ("caf-21", 1), ("dijon-metropole", 2)]
    caf, _, _, grand_dijon = article_1.engagements.all()
    assert "Participer aux groupes d'analyse partagée." in caf.liste_points
    assert any(p.startswith("Convier la CAF") for p in grand_dijon.liste_points)
    logement_indigne = convention.articles.get(numero="2.2").engagements.get(partenaire__slug="dijon-metropole")
    assert "6 logements insalubres et 25 logements non décents" in logement_indigne.points
    assert convention.signataires.count() == 2
