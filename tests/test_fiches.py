"""Fiches: the three sources transcribed, their pages, who may change what, indicators, exports."""

import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from contrat.models import Orientation, Pilier
from fiches.models import Engagement, Equipement, Fiche, Indicateur, Mesure
from noyau.historique import changements
from noyau.models import Historique

from .conftest import rendu_verifie_sur_sqlite


def fiche(contrat, slug):
    return Fiche.objects.get(contrat__slug=contrat, slug=slug)


# -- fixtures ---------------------------------------------------------------------


def test_seine_amont_has_43_fiches_under_24_enjeux(conventions):
    fiches = Fiche.objects.filter(contrat__slug="seine-amont")
    assert fiches.count() == 43
    assert set(fiches.values_list("forme", flat=True)) == {"operationnelle"}
    enjeux = Orientation.objects.filter(pilier__contrat__slug="seine-amont")
    assert enjeux.count() == 24
    assert Pilier.objects.filter(contrat__slug="seine-amont").count() == 5
    # Every fiche sits under its enjeu; enjeu 16 has none in the source.
    assert not fiches.filter(orientation=None).exists()
    assert sorted(enjeux.filter(fiches=None).values_list("code", flat=True)) == ["n°16"]
    assert fiches.filter(orientation__code="n°2").count() == 5
    premiere = fiche("seine-amont", "fiche-1-1")
    assert premiere.numero == "n°1-1"
    assert premiere.intitule.startswith("Soutenir les dispositifs de préformation")
    # Lists stay lists: the partners one by one, the dispositifs grouped by the partner that runs them.
    financeurs = list(premiere.intervenants.filter(role="financeur").values_list("nom", flat=True))
    assert financeurs == [
        "Communes",
        "Agglomération",
        "Conseil départemental",
        "Conseil régional",
        "Etat",
        "Caisse d'Allocations Familiales",
    ]
    assert premiere.intervenants.filter(role="operateur").count() == 9
    groupes = [g for g, _, _ in premiere.dispositifs_par_groupe()]
    assert groupes[:2] == ["Dispositifs de l'Agglomération", "Dispositifs de l'Etat"]
    regionaux = premiere.dispositifs_mobilises.filter(groupe="Dispositifs du Conseil régional")
    assert regionaux.count() == 3 and {d.partenaire.slug for d in regionaux} == {"region-ile-de-france"}
    assert "- Permettant aux publics présentant des difficultés d'illettrisme" in premiere.description


def test_grand_dijon_has_the_10_fiches_actions_of_the_protocol(conventions):
    fiches = Fiche.objects.filter(contrat__slug="grand-dijon")
    assert fiches.count() == 10
    assert list(fiches.values_list("numero", flat=True)) == [f"FICHE {n}" for n in range(1, 11)]
    assert {f.document.slug for f in fiches} == {"protocole-2019-2022"}
    neuf = fiche("grand-dijon", "fiche-action-9")
    assert neuf.calendrier.splitlines() == ["Phase 1 : 2020-2021", "Phase 2 : 2021-2022"]
    assert (neuf.annee_debut, neuf.annee_fin) == (2020, 2022)
    assert neuf.indicateurs.count() == 5  # the evaluation indicators of fiche 9
    assert neuf.indicateurs.first().libelle == "Nombre de réunion mise en place"


def test_fiche_3_shows_the_engagements_of_the_four_partners(conventions, connecter):
    trois = fiche("grand-dijon", "fiche-action-3")
    engagements = list(trois.engagements.select_related("partenaire"))
    assert [e.partenaire.slug for e in engagements] == [
        "etat",
        "region-bfc",
        "dijon-metropole",
        "caisse-des-depots-bfc",
    ]
    assert engagements[0].texte.startswith("Soutien logistique et financier à la mise en place du dispositif type")
    assert "Le SIEG est financé par la région pour 3 ans, de 2019 à fin 2021." in engagements[1].texte
    assert (
        engagements[2].texte
        == "Soutien logistique et financier apporté aux acteurs de l'aide à la création d'entreprise."
    )
    assert engagements[3].texte == ""  # the source leaves the Caisse des Dépôts' engagement blank
    assert all(e.montant is None for e in engagements)
    page = connecter("lecteur").get(reverse("fiches:detail", args=[trois.pk])).content.decode()
    for libelle in [
        "Engagements de l&#x27;État",
        "Engagement de la Région Bourgogne-France-Comté",
        "Engagement de la métropole dijonnaise",
        "Engagement de la Caisse des Dépôts",
    ]:
        assert libelle in page


def test_ctg_dijon_has_15_fiches_projet_under_4_axes_and_its_equipements(conventions):
    ctg = conventions.__class__.objects.get(slug="ctg-dijon")
    assert (ctg.annee_debut, ctg.annee_fin, ctg.nature) == (2024, 2027, "ctg")
    assert sorted(ctg.documents.get().signataires.values_list("partenaire__slug", flat=True)) == [
        "caf-21",
        "ville-dijon",
    ]
    axes = ctg.piliers.filter(transversal=False)
    assert list(axes.values_list("intitule", flat=True)) == [
        "Petite enfance",
        "Enfance",
        "Jeunesse",
        "Animation de la vie sociale",
    ]
    assert ctg.fiches.count() == 15
    assert [a.fiches.count() for a in axes] == [5, 5, 3, 2]
    jeunesse_2 = fiche("ctg-dijon", "axe-3-fiche-2")
    assert jeunesse_2.indicateurs.count() == 15
    assert jeunesse_2.indicateurs.values("groupe").distinct().count() == 4
    equipements = Equipement.objects.filter(contrat=ctg)
    assert equipements.filter(annexe="2", bonus_territoire=True).count() == 44
    assert equipements.filter(annexe="2 bis", bonus_territoire=False).count() == 16
    balzac = equipements.get(nom="Multi-accueil Balzac")
    assert (balzac.type, balzac.adresse, balzac.gestionnaire) == (
        "EAJE",
        "25 Rue Balzac, 21000 Dijon",
        "Commune de Dijon",
    )


# -- pages ------------------------------------------------------------------------------


def test_the_list_filters_by_partner_in_any_role_and_by_text(conventions, connecter):
    client = connecter("admin")
    url = reverse("fiches:liste", args=["grand-dijon"])
    assert client.get(url).content.decode().count('href="/fiches/') >= 10
    caisse = client.get(url, {"partenaire": "caisse-des-depots-bfc"}).content.decode()
    assert "FAVORISER L&#x27;APPROPRIATION" not in caisse and "SOUTENIR LA CRÉATION ET LA REPRISE" in caisse
    texte = client.get(url, {"q": "cispd"}).content.decode()
    assert "CONSEIL INTERCOMMUNAL DE SÉCURITÉ" in texte and "GESTION URBAINE" not in texte
    mauvais = client.get(url, {"partenaire": "inconnu"})
    assert mauvais.status_code == 400
    assert "Ce choix n&#x27;existe pas pour ce contrat" in mauvais.content.decode()


def test_the_fiche_page_is_the_two_column_table_of_its_source(conventions, connecter):
    une = fiche("seine-amont", "fiche-1-1")
    page = connecter("admin").get(reverse("fiches:detail", args=[une.pk])).content.decode()
    for libelle in [
        "Descriptif et objectifs des projets attendus",
        "Partenaires financeurs",
        "Partenaires opérateurs",
        "Dispositifs pouvant soutenir les projets",
    ]:
        assert f'<th scope="row">{libelle}</th>' in page
    assert "<li>Plans Locaux Pluriannuels pour l&#x27;Insertion et l&#x27;Emploi.</li>" in page


def test_a_partner_page_lists_its_engagements_across_fiches_and_annexe(conventions, connecter):
    page = connecter("agent.caf").get(reverse("fiches:partenaire", args=["caf-21"])).content.decode()
    assert "Co-financement des CLAS" in page  # fiche action 7
    assert "solvabilisation des familles" in page  # the CAF's annexe
    # Each dispositif once (with its estimates), and the year's total.
    from engagements.models import Estimation

    lignes = Estimation.objects.filter(partenaire__slug="caf-21", dispositif__intitule="solvabilisation des familles")
    assert (
        page.count(">solvabilisation des familles</a>") == lignes.count() == 3
    )  # once each, not in a list and a table
    assert re.search(
        r"Total 2015 — Contrat de ville de la métropole dijonnaise</th>"
        r'<td class="montant">43 130 000 €</td><td class="montant">129 530 000 €</td>',
        page,
    )


def test_a_dispositif_page_lists_the_fiches_that_mobilise_it(conventions, connecter):
    from engagements.models import Dispositif

    dispositif = Dispositif.objects.get(contrat__slug="grand-dijon", code="caf-2015-06")
    sept = fiche("grand-dijon", "fiche-action-7")
    ligne = sept.dispositifs_mobilises.create(ordre=1, texte="Solvabilisation des familles", dispositif=dispositif)
    page = connecter("lecteur").get(reverse("engagements:dispositif", args=[dispositif.pk])).content.decode()
    assert f'href="/fiches/{sept.pk}/"' in page
    fiche_page = connecter("lecteur").get(reverse("fiches:detail", args=[sept.pk])).content.decode()
    assert f'href="/dispositifs/{dispositif.pk}/"' in fiche_page and ligne.texte in fiche_page


# -- who may change what --------------------------------------------------------------


def _engagement(slug_fiche, partenaire):
    return Engagement.objects.get(
        fiche__contrat__slug="grand-dijon", fiche__slug=slug_fiche, partenaire__slug=partenaire
    )


def test_an_agent_cannot_change_another_partners_engagement(conventions, connecter):
    etat = _engagement("fiche-action-3", "etat")
    avant = etat.texte
    client = connecter("agent.caf")
    url = reverse("fiches:engagement_modifier", args=[etat.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"texte": "piraté", "montant": "", "version": etat.version}).status_code == 403
    etat.refresh_from_db()
    assert etat.texte == avant
    assert not Historique.objects.filter(objet="engagement", objet_id=etat.pk).exists()


@pytest.mark.parametrize("role", ["agent.pole-emploi", "lecteur"])
def test_others_cannot_change_the_caf_engagement_nor_the_fiche(conventions, connecter, role):
    caf = _engagement("fiche-action-7", "caf-21")
    client = connecter(role)
    assert (
        client.post(
            reverse("fiches:engagement_modifier", args=[caf.pk]), {"texte": "piraté", "version": caf.version}
        ).status_code
        == 403
    )
    sept = caf.fiche
    assert (
        client.post(
            reverse("fiches:modifier", args=[sept.pk]), {"numero": "X", "intitule": "piraté", "version": sept.version}
        ).status_code
        == 403
    )
    caf.refresh_from_db()
    sept.refresh_from_db()
    assert caf.texte.startswith("Co-financement des CLAS") and sept.intitule.startswith("ACCOMPAGNER ET SOUTENIR")


def test_the_agent_changes_its_own_engagement_with_history(conventions, connecter, comptes):
    caf = _engagement("fiche-action-7", "caf-21")
    client = connecter("agent.caf")
    url = reverse("fiches:engagement_modifier", args=[caf.pk])
    reponse = client.post(
        url, {"texte": "Co-financement des CLAS\n- 12 ateliers", "montant": "45 000", "version": caf.version}
    )
    assert reponse.status_code == 302
    caf.refresh_from_db()
    assert caf.texte == "Co-financement des CLAS\n- 12 ateliers"
    assert caf.montant == Decimal("45000") and caf.version == 2
    entree = Historique.objects.get(objet="engagement", objet_id=caf.pk)
    assert entree.dossier == f"fiche:{caf.fiche_id}" and entree.user == comptes["agent.caf"]
    assert ("montant (€)", "—", "45 000 €") in changements(entree)
    page = client.get(reverse("fiches:detail", args=[caf.fiche_id])).content.decode()
    assert "<li>12 ateliers</li>" in page and "45 000 €" in page


def test_a_stale_engagement_form_is_refused_and_keeps_what_was_typed(conventions, connecter):
    caf = _engagement("fiche-action-7", "caf-21")
    url = reverse("fiches:engagement_modifier", args=[caf.pk])
    premier = connecter("chef.projet").post(url, {"texte": "version du chef de projet", "version": 1})
    assert premier.status_code == 302
    second = connecter("agent.caf").post(url, {"texte": "version de l'agent", "version": 1})
    assert second.status_code == 409
    assert "version de l&#x27;agent" in second.content.decode()
    caf.refresh_from_db()
    assert caf.texte == "version du chef de projet"


def _listes(fiche, ajouts=None):
    """The formsets of the whole-fiche form, as the page posts them (existing rows unchanged)."""
    donnees = {}
    for prefixe, lignes, champs in (
        ("partenaires", list(fiche.intervenants.all()), ["role", "nom", "partenaire"]),
        ("indicateurs", list(fiche.indicateurs.all()), ["libelle", "groupe", "unite"]),
    ):
        nouvelles = (ajouts or {}).get(prefixe, [])
        donnees.update(
            {f"{prefixe}-TOTAL_FORMS": len(lignes) + len(nouvelles), f"{prefixe}-INITIAL_FORMS": len(lignes)}
        )
        for i, ligne in enumerate(lignes):
            donnees[f"{prefixe}-{i}-id"] = ligne.pk
            for champ in champs:
                valeur = getattr(ligne, champ + ("_id" if champ == "partenaire" else ""))
                donnees[f"{prefixe}-{i}-{champ}"] = "" if valeur is None else valeur
        for j, nouvelle in enumerate(nouvelles, len(lignes)):
            donnees.update({f"{prefixe}-{j}-{k}": v for k, v in nouvelle.items()})
    return donnees


def test_the_chef_de_projet_edits_the_whole_fiche(conventions, connecter):
    deux = fiche("grand-dijon", "fiche-action-2")
    client = connecter("chef.projet")
    url = reverse("fiches:modifier", args=[deux.pk])
    donnees = {
        "numero": deux.numero,
        "intitule": deux.intitule,
        "statut": "en_cours",
        "annee_debut": "2022",
        "annee_fin": "2020",
        "resultats": deux.resultats,
        "version": deux.version,
        **_listes(
            deux,
            {
                "partenaires": [{"role": "mobilise", "nom": "Pôle emploi", "partenaire": ""}],
                "indicateurs": [
                    {"libelle": "Nombre de réunions du groupe GUSP", "cible": "6", "valeur_reference": "abc"}
                ],
            },
        ),
    }
    refus = client.post(url, donnees)
    assert refus.status_code == 400
    assert "L&#x27;année de fin doit suivre l&#x27;année de début." in refus.content.decode()
    assert 'aria-describedby="id_annee_fin-erreurs' in refus.content.decode()
    assert "Saisissez un nombre, par exemple 120 ou 12,5." in refus.content.decode()  # the new indicator's baseline
    donnees["annee_debut"] = "2020"
    donnees["annee_fin"] = "2022"
    donnees["indicateurs-0-valeur_reference"] = "2"
    assert client.post(url, donnees).status_code == 302
    deux.refresh_from_db()
    assert deux.statut == "en_cours" and deux.version == 2
    assert [i.nom for i in deux.intervenants.all()][-1] == "Pôle emploi"
    indicateur = deux.indicateurs.get()
    assert (indicateur.valeur_reference, indicateur.cible, indicateur.ordre) == (Decimal("2"), Decimal("6"), 1)
    entree = Historique.objects.get(objet="fiche", objet_id=deux.pk, dossier=f"fiche:{deux.pk}")
    libelles = {libelle: apres for libelle, avant, apres in changements(entree)}
    assert libelles["statut"] == "En cours" and "Nombre de réunions du groupe GUSP" in libelles["indicateurs"]
    assert "Partenaires mobilisés : Pôle emploi" in libelles["partenaires"]


# -- indicators -----------------------------------------------------------------------


def _indicateur_ctg():
    return Indicateur.objects.filter(fiche__contrat__slug="ctg-dijon", fiche__slug="axe-2-fiche-2").first()


def _mesures(indicateur, valeurs):
    annees = list(range(2024, 2028))
    donnees = {f"i{indicateur.pk}-TOTAL_FORMS": len(annees), f"i{indicateur.pk}-INITIAL_FORMS": len(annees)}
    for i, annee in enumerate(annees):
        valeur, commentaire = valeurs.get(annee, ("", ""))
        existante = indicateur.mesures.filter(annee=annee).first()
        donnees.update(
            {
                f"i{indicateur.pk}-{i}-annee": annee,
                f"i{indicateur.pk}-{i}-valeur": valeur,
                f"i{indicateur.pk}-{i}-commentaire": commentaire,
                f"i{indicateur.pk}-{i}-version": existante.version if existante else 0,
            }
        )
    return donnees


def test_the_caf_agent_enters_yearly_values_and_the_page_draws_them(conventions, connecter):
    indicateur = _indicateur_ctg()
    indicateur.cible = Decimal("150")
    indicateur.save()
    client = connecter("agent.caf")
    url = reverse("fiches:mesures", args=[indicateur.pk])
    assert client.get(url).status_code == 200
    reponse = client.post(url, _mesures(indicateur, {2024: ("120", "première année"), 2025: ("1 234,5", "")}))
    assert reponse.status_code == 302
    assert {m.annee: m.valeur for m in indicateur.mesures.all()} == {2024: Decimal("120"), 2025: Decimal("1234.5")}
    assert Historique.objects.filter(objet="mesure", dossier=f"fiche:{indicateur.fiche_id}").count() == 2
    page = client.get(reverse("fiches:detail", args=[indicateur.fiche_id])).content.decode()
    assert '<svg role="img"' in page and "<title>2024 : 120</title>" in page and "cible 150" in page


def test_a_value_that_is_not_a_number_is_refused_in_french(conventions, connecter):
    indicateur = _indicateur_ctg()
    reponse = connecter("agent.caf").post(
        reverse("fiches:mesures", args=[indicateur.pk]), _mesures(indicateur, {2024: ("beaucoup", "")})
    )
    assert reponse.status_code == 400
    assert "Saisissez un nombre, par exemple 120 ou 12,5." in reponse.content.decode()
    assert not Mesure.objects.filter(indicateur=indicateur).exists()


def test_a_blank_year_is_not_measured_rather_than_zero(conventions, connecter):
    indicateur = _indicateur_ctg()
    connecter("agent.caf").post(
        reverse("fiches:mesures", args=[indicateur.pk]), _mesures(indicateur, {2026: ("0", "")})
    )
    assert {m.annee: m.valeur for m in indicateur.mesures.all()} == {2026: Decimal("0")}


def test_the_indicators_table_exports_to_xlsx(conventions, connecter):
    indicateur = _indicateur_ctg()
    Mesure.objects.create(indicateur=indicateur, annee=2025, valeur=Decimal("42"), commentaire="mesuré")
    reponse = connecter("admin").get(reverse("fiches:indicateurs_xlsx", args=["ctg-dijon"]))
    feuille = load_workbook(io.BytesIO(reponse.content)).active
    entetes = [c.value for c in feuille[1]]
    assert "2025" in entetes and "Commentaire 2025" in entetes
    lignes = list(feuille.iter_rows(min_row=2, values_only=True))
    assert len(lignes) == Indicateur.objects.filter(fiche__contrat__slug="ctg-dijon").count()
    ligne = next(r for r in lignes if (r[0], r[3]) == (indicateur.fiche.numero, indicateur.libelle))
    assert ligne[entetes.index("2025")] == 42 and ligne[entetes.index("Commentaire 2025")] == "mesuré"


# -- exports --------------------------------------------------------------------------


def test_the_fiches_workbook_has_one_row_per_fiche_with_lists_on_lines(conventions, connecter):
    reponse = connecter("admin").get(reverse("fiches:xlsx", args=["seine-amont"]))
    feuille = load_workbook(io.BytesIO(reponse.content)).active
    entetes = [c.value for c in feuille[1]]
    lignes = list(feuille.iter_rows(min_row=2, values_only=True))
    assert len(lignes) == 43
    premiere = dict(zip(entetes, lignes[0]))
    assert premiere["Numéro"] == "n°1-1"
    assert premiere["Partenaires financeurs"].split("\n") == [
        "Communes",
        "Agglomération",
        "Conseil départemental",
        "Conseil régional",
        "Etat",
        "Caisse d'Allocations Familiales",
    ]


def test_the_fiche_pdf_is_one_a4_portrait_document(conventions, connecter):
    trois = fiche("grand-dijon", "fiche-action-3")
    reponse = connecter("admin").get(reverse("fiches:pdf", args=[trois.pk]))
    assert reponse["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(reponse.content))
    largeur, hauteur = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert hauteur > largeur and round(largeur / 72 * 25.4) == 210
    texte = "".join(p.extract_text() for p in pdf.pages)
    assert "Engagement de la Caisse des Dépôts" in texte


def _texte_pages(contenu):
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(contenu)).pages]


@rendu_verifie_sur_sqlite
def test_the_recueil_toc_gives_the_page_where_each_fiche_starts(conventions, connecter):
    reponse = connecter("admin").get(reverse("fiches:recueil_pdf", args=["seine-amont"]))
    assert reponse.status_code == 200
    pages = _texte_pages(reponse.content)
    sommaire = " ".join(p for p in pages[:6] if "Sommaire" in p or re.search(r"n°\d+-\d+ :.*?\.{3,}", p))
    numeros = {}
    for numero, page in re.findall(r"(n°\d+-\d+) :.*?\.{3,}\s*(\d+)", sommaire):
        numeros.setdefault(numero, int(page))
    attendus = list(Fiche.objects.filter(contrat__slug="seine-amont").values_list("numero", flat=True))
    assert list(numeros) == attendus  # every fiche, in order
    for numero, page in numeros.items():
        titre = f"Fiche opérationnelle {numero} :"
        assert titre in pages[page - 1], (numero, page)
        assert titre not in pages[page - 2], (numero, page)  # it starts on that page, not before
    # Running header names the section; footer counts the pages.
    derniere = pages[numeros["n°24-1"] - 1]
    assert "Renforcer le réseau partenarial" in derniere
    assert f"/ {len(pages)}" in pages[-1]


def test_the_recueil_takes_the_list_filters(conventions, connecter):
    client = connecter("admin")
    pages = _texte_pages(client.get(reverse("fiches:recueil_pdf", args=["seine-amont"]), {"q": "observatoire"}).content)
    texte = " ".join(pages)
    assert "n°11-1" in texte and "n°22-2" in texte and "n°1-1 " not in texte
    assert client.get(reverse("fiches:recueil_pdf", args=["seine-amont"]), {"statut": "inconnu"}).status_code == 400


def test_list_and_workbook_queries_do_not_grow_with_the_number_of_fiches(conventions, connecter):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = connecter("admin")
    enjeu_1 = Orientation.objects.get(pilier__contrat__slug="seine-amont", code="n°1")
    comptes = {}
    # 2 fiches, then the 12 of the first section: one filter each, so the same lookups.
    for cle, filtres in (("2", {"orientation": enjeu_1.pk}), ("12", {"pilier": enjeu_1.pilier_id})):
        for nom in ("fiches:liste", "fiches:xlsx"):
            with CaptureQueriesContext(connection) as requetes:
                reponse = client.get(reverse(nom, args=["seine-amont"]), filtres)
            assert reponse.status_code == 200
            comptes[(cle, nom)] = len(requetes)
    assert comptes[("2", "fiches:liste")] == comptes[("12", "fiches:liste")] <= 20, comptes
    assert comptes[("2", "fiches:xlsx")] == comptes[("12", "fiches:xlsx")], comptes


def test_the_administrator_loads_a_fiche_in_the_admin(conventions, connecter):
    trois = fiche("grand-dijon", "fiche-action-3")
    page = connecter("admin").get(f"/admin/fiches/fiche/{trois.pk}/change/")
    assert page.status_code == 200
    assert "Engagement de la Caisse des Dépôts" in page.content.decode()


def test_the_fiche_page_shows_only_ones_own_engagement_as_editable(
    conventions, connecter, django_assert_max_num_queries
):
    sept = fiche("grand-dijon", "fiche-action-7")
    caf = _engagement("fiche-action-7", "caf-21")
    client = connecter("agent.caf")
    with django_assert_max_num_queries(20):
        page = client.get(reverse("fiches:detail", args=[sept.pk])).content.decode()
    assert page.count("Modifier cet engagement") == 1
    assert reverse("fiches:engagement_modifier", args=[caf.pk]) in page
    assert "Modifier la fiche" not in page
    chef = connecter("chef.projet").get(reverse("fiches:detail", args=[sept.pk])).content.decode()
    assert chef.count("Modifier cet engagement") == sept.engagements.count() and "Modifier la fiche" in chef


def test_an_indicator_with_measured_values_is_not_deleted(conventions, connecter):
    """Nothing disappears without a trace: its values would go with it."""
    indicateur = _indicateur_ctg()
    fiche_ = indicateur.fiche
    Mesure.objects.create(indicateur=indicateur, annee=2024, valeur=Decimal("120"))
    Mesure.objects.create(indicateur=indicateur, annee=2025, valeur=Decimal("130"))
    client = connecter("admin")
    donnees = {
        "numero": fiche_.numero,
        "intitule": fiche_.intitule,
        "statut": fiche_.statut,
        "version": fiche_.version,
        **_listes(fiche_),
    }
    rang = list(fiche_.indicateurs.all()).index(indicateur)
    donnees[f"indicateurs-{rang}-DELETE"] = "on"
    reponse = client.post(reverse("fiches:modifier", args=[fiche_.pk]), donnees)
    assert reponse.status_code == 400
    assert "a des valeurs mesurées (2024, 2025) : il ne peut pas être supprimé" in html.unescape(
        reponse.content.decode()
    )
    assert Indicateur.objects.filter(pk=indicateur.pk).exists() and indicateur.mesures.count() == 2
    fiche_.refresh_from_db()
    assert fiche_.version == 1
