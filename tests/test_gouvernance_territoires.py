"""Governance for any territory, entered through the forms as its chef de projet: members as groups,
functions with their organisation, presidencies, minimums, N a year in the calendar year, formations
and bodies that prepare others, the contract's own columns, shared bodies, archive, calendars."""

import io
import re
from datetime import date

import pdfplumber
import pytest
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader

from contrat.models import Contrat, Document, Partenaire, Signataire
from contrat.models import Membre as Role
from gouvernance.models import Instance, Seance
from gouvernance.rythmes import Creneau, creneaux, en_mots, manque
from noyau.models import Historique

from .formulaires_html import formulaire
from .test_impression import hors_de_la_page


def texte_pdf(reponse):
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(reponse.content)).pages]


def sans_balises(reponse):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", reponse.content.decode())).replace("&#x27;", "'")


@pytest.fixture
def territoire_vierge(conventions, comptes):
    """A 2024-2030 contract whose chef de projet is chef.projet; the État, Chenôve and the CAF sign it. No
    column chosen yet for its scheme."""
    p = {slug: Partenaire.objects.get(slug=slug) for slug in ("etat", "ville-chenove", "caf-21", "dijon-metropole")}
    contrat = Contrat.objects.create(
        nom="Contrat de ville de Chenôve 2024-2030",
        slug="chenove-2024",
        territoire="Chenôve",
        porteur=p["dijon-metropole"],
        annee_debut=2024,
        annee_fin=2030,
    )
    document = Document.objects.create(
        contrat=contrat,
        slug="contrat-cadre",
        nature="contrat_cadre",
        titre="Contrat de ville 2024-2030",
        annee_debut=2024,
        annee_fin=2030,
    )
    for ordre, (slug, qualite) in enumerate(
        [("etat", "Préfet de la Côte-d'Or"), ("ville-chenove", "Maire de Chenôve"), ("caf-21", "Directrice de la CAF")],
        1,
    ):
        Signataire.objects.create(document=document, partenaire=p[slug], representant="", qualite=qualite, ordre=ordre)
    Role.objects.create(
        user=comptes["chef.projet"], partenaire=p["dijon-metropole"], role="chef_de_projet", contrat=contrat
    )
    return contrat


@pytest.fixture
def territoire(territoire_vierge):
    """The same, whose chef chose the four columns the columns page offers to start from."""
    from gouvernance.models import COLONNES_PAR_DEFAUT, Colonne

    for ordre, (cle, libelle) in enumerate(COLONNES_PAR_DEFAUT, 1):
        Colonne.objects.create(contrat=territoire_vierge, cle=cle, libelle=libelle, ordre=ordre)
    return territoire_vierge


def test_a_new_contract_starts_with_no_column_and_chooses_its_own(conventions, comptes, connecter):
    """No other territory's columns: a new contract's scheme has none, its bodies are printed whole under
    « Instances »; the columns page offers the signed document's four to start from, and once saved they are
    its own."""
    from gouvernance.models import colonnes_du_schema

    nouveau = Contrat.objects.create(
        nom="Contrat de ville de Nulle-Part",
        slug="nulle-part",
        territoire="Nulle-Part",
        annee_debut=2024,
        annee_fin=2030,
    )
    Role.objects.create(
        user=comptes["chef.projet"],
        partenaire=Partenaire.objects.get(slug="dijon-metropole"),
        role="chef_de_projet",
        contrat=nouveau,
    )
    assert colonnes_du_schema(nouveau) == [] and colonnes_du_schema(conventions) != []
    comite = Instance.objects.create(contrat=nouveau, slug="copil", nom="Comité de pilotage", nature="comite_pilotage")
    from gouvernance.models import Membre as MembreInstance

    MembreInstance.objects.create(instance=comite, ordre=1, fonction="le Préfet", role="preside")
    chef = connecter("chef.projet")
    pdf = " ".join(texte_pdf(chef.get(reverse("gouvernance:pdf", args=["nulle-part"]))))
    assert "ÉTAT" not in pdf and "Instances" in pdf and "le Préfet (préside)" in pdf  # printed whole, not one line
    page = chef.get(reverse("gouvernance:colonnes", args=["nulle-part"]))
    donnees = {k: v for k, v in formulaire(page).items()}
    assert [donnees[f"colonnes-{i}-libelle"] for i in range(4)] == [
        ["État"],
        ["Collectivités"],
        ["Conseils citoyens"],
        ["Copilotage"],
    ]
    assert chef.post(reverse("gouvernance:colonnes", args=["nulle-part"]), donnees).status_code == 302
    assert [cle for cle, _ in colonnes_du_schema(nouveau)] == [
        "etat",
        "collectivites",
        "conseils_citoyens",
        "copilotage",
    ]


def au(monkeypatch, jour):
    import gouvernance.views

    monkeypatch.setattr(gouvernance.views.timezone, "localdate", lambda: jour)


def instance_postee(nom, membres=(), **champs):
    donnees = {
        "nom": nom,
        "nature": "comite_pilotage",
        "colonne": "copilotage",
        "missions": "",
        "composition": "",
        "frequence": "",
        "frequence_max": "",
        "periode": "",
        "mois": "",
        "duree": "",
        "rythme_source": "",
        "membres-TOTAL_FORMS": len(membres),
        "membres-INITIAL_FORMS": 0,
    }
    for i, membre in enumerate(membres):
        donnees.update(
            {
                f"membres-{i}-{cle}": valeur
                for cle, valeur in {"partenaire": "", "fonction": "", "groupe": "", "role": "", **membre}.items()
            }
        )
    donnees.update(champs)
    return {cle: valeur for cle, valeur in donnees.items() if valeur is not False}


def creer_instance(client, contrat, nom, membres=(), **champs):
    reponse = client.post(
        reverse("gouvernance:instance_creer", args=[contrat.slug]), instance_postee(nom, membres, **champs)
    )
    assert reponse.status_code == 302, sans_balises(reponse)[-3000:]
    return Instance.objects.get(contrat=contrat, nom=nom)


def seance_postee(instance, jour, **champs):
    return {
        "instance": instance.pk,
        "date": jour,
        "heure": "14:00",
        "lieu": "Mairie",
        "ordre_du_jour": "Bilan",
        "compte_rendu": "",
        "version": "",
        "presences-TOTAL_FORMS": 0,
        "presences-INITIAL_FORMS": 0,
        "decisions-TOTAL_FORMS": 0,
        "decisions-INITIAL_FORMS": 0,
        **champs,
    }


def creer_seance(client, instance, jour, **champs):
    reponse = client.post(
        reverse("gouvernance:seance_creer", args=[instance.contrat.slug]), seance_postee(instance, jour, **champs)
    )
    assert reponse.status_code == 302, sans_balises(reponse)[-2000:]
    return Seance.objects.filter(instance=instance).order_by("-pk").first()


def pk(slug):
    return Partenaire.objects.get(slug=slug).pk


# -- the acceptance ---------------------------------------------------------------------


def test_a_territory_s_governance_entered_through_the_forms(territoire, connecter, monkeypatch):
    chef = connecter("chef.projet")
    strategique = creer_instance(
        chef,
        territoire,
        "Comité stratégique",
        [
            {"partenaire": pk("etat"), "fonction": "le Préfet", "role": "copreside"},
            {"partenaire": pk("ville-chenove"), "fonction": "le Maire", "role": "copreside"},
            {"groupe": "signataires"},
        ],
        frequence=2,
        au_moins="on",
        periode="annee",
        rythme_source="au moins deux fois par an",
    )
    restreint = creer_instance(
        chef,
        territoire,
        "Comité stratégique restreint",
        [
            {
                "partenaire": pk("etat"),
                "fonction": "le Sous-préfet chargé de la politique de la ville",
                "role": "preside",
            }
        ],
        parent=strategique.pk,
        formation="restreinte",
        selon_besoins="on",
    )
    technique = creer_instance(
        chef,
        territoire,
        "Comité technique",
        [{"groupe": "agents", "partenaire": pk("caf-21")}],
        nature="comite_technique",
        lien="prepare",
        instance_liee=strategique.pk,
        selon_besoins="on",
        rythme_source="autant que de besoin",
    )
    financeurs = creer_instance(
        chef,
        territoire,
        "Comité des financeurs",
        [{"groupe": "financeurs"}],
        nature="comite_financeurs",
        frequence=2,
        periode="annee",
        mois="3-4,11-12",
    )

    assert strategique.rythme == "au moins 2 fois / an" and strategique.au_moins
    assert [(str(m), m.role) for m in strategique.membres.all()] == [
        ("le Préfet", "copreside"),
        ("le Maire", "copreside"),
        ("les signataires du contrat", ""),
    ]
    assert (restreint.parent, restreint.formation) == (strategique, "restreinte")
    assert (technique.lien, technique.instance_liee, technique.rythme) == ("prepare", strategique, "selon les besoins")
    assert financeurs.rythme == "2 fois / an en mars/avril et novembre/décembre"

    # Two meetings, in September and October 2026: the committee's 2026 is held.
    septembre = creer_seance(chef, strategique, "2026-09-15")
    creer_seance(chef, strategique, "2026-10-20")
    au(monkeypatch, date(2027, 1, 15))
    page = sans_balises(chef.get(reverse("gouvernance:page", args=[territoire.slug])))
    assert (
        f'id="retard-{strategique.pk}"'
        not in chef.get(reverse("gouvernance:page", args=[territoire.slug])).content.decode()
    )
    assert "Réunion : au moins 2 fois / an (le document : « au moins deux fois par an »)" in page
    assert "Formation restreinte de « Comité stratégique »" in page
    assert "Prépare les travaux de « Comité stratégique »" in page
    assert "le Préfet — État (copréside)" in page and "le Maire — Ville de Chenôve (copréside)" in page
    assert "les signataires du contrat" in page and "les agents de Caisse d'Allocations Familiales" in page

    # The PDF prints members and presidencies.
    pdf = " ".join(texte_pdf(chef.get(reverse("gouvernance:pdf", args=[territoire.slug]))))
    for attendu in (
        "le Préfet — État (copréside)",
        "le Maire — Ville de Chenôve (copréside)",
        "les signataires du contrat",
        "(formation restreinte)",
        "Prépare les travaux de « Comité stratégique »",
        "au moins 2 fois / an",
        "(préside)",
    ):
        assert attendu in pdf, attendu

    # The convocation lists the signatories, each with its organisation, each organisation once: the State and
    # the town the body names itself are not convened again as signatories.
    convocation = " ".join(texte_pdf(chef.get(reverse("gouvernance:convocation_pdf", args=[septembre.pk]))))
    for attendu in (
        "le Préfet — État",
        "le Maire — Ville de Chenôve",
        "Directrice de la CAF — Caisse d'Allocations Familiales",
    ):
        assert attendu in convocation, attendu
    assert (
        "Préfet de la Côte-d'Or — État" not in convocation and "Maire de Chenôve — Ville de Chenôve" not in convocation
    )
    assert septembre.presences.count() == 3


# -- 1. members and presidencies reach the page and the PDF; the composition and formation the page ------


def test_the_page_and_the_pdf_show_members_presidencies_composition_and_formation(conventions, connecter):
    client = connecter("lecteur")
    page = sans_balises(client.get(reverse("gouvernance:page", args=["grand-dijon"])))
    assert "le Préfet de la Côte-d'Or ou son représentant — État (copréside)" in page
    assert "Les chefs de projet Politique de la ville et rénovation urbaine." in page  # MOUS restreinte's composition
    assert "Formation restreinte" in page and "Formation élargie" in page
    pages = texte_pdf(client.get(reverse("gouvernance:pdf", args=["grand-dijon"])))
    pdf = " ".join(pages)
    assert "le Préfet de la Côte-d'Or ou son représentant — État (copréside)" in pdf
    assert "le Maire — Ville de Chenôve" in pdf and "(formation restreinte)" in pdf


# -- 2, 3. groups expanded at convocation; every function with its organisation ----------------


def test_a_convocation_names_each_mayor_with_its_commune(conventions, connecter):
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    chef = connecter("chef.projet")
    seance = creer_seance(
        chef,
        copil,
        "2021-10-12",
        **{
            "presences-TOTAL_FORMS": 1,
            "presences-0-nom": "le Maire",
            "presences-0-partenaire": pk("ville-dijon"),
            "presences-0-etat": "present",
        },
    )
    libelles = [p.libelle for p in seance.presences.all()]
    for commune in ("Dijon", "Chenôve", "Longvic", "Quetigny", "Talant"):
        assert f"le Maire — Ville de {commune}" in libelles
    convocation = " ".join(texte_pdf(chef.get(reverse("gouvernance:convocation_pdf", args=[seance.pk]))))
    releve = " ".join(texte_pdf(chef.get(reverse("gouvernance:releve_pdf", args=[seance.pk]))))
    for commune in ("Dijon", "Chenôve", "Longvic", "Quetigny", "Talant"):
        assert f"le Maire — Ville de {commune}" in convocation and f"le Maire — Ville de {commune}" in releve


def test_groups_of_financeurs_and_of_a_partner_s_agents_are_expanded_when_a_seance_is_convened(
    conventions, connecter, comptes
):
    chef = connecter("chef.projet")
    comite = creer_instance(
        chef,
        conventions,
        "Comité des financeurs",
        [{"groupe": "financeurs"}, {"groupe": "agents", "partenaire": pk("caf-21")}],
        nature="comite_financeurs",
        selon_besoins="on",
    )
    seance = creer_seance(chef, comite, "2021-06-01")
    noms = {p.libelle for p in seance.presences.all()}
    assert "Caisse d'Allocations Familiales de la Côte-d'Or" in noms  # it finances dispositifs of the contract
    agent = comptes["agent.caf"]
    assert f"{agent.get_full_name() or agent.username} — Caisse d'Allocations Familiales de la Côte-d'Or" in noms
    # A group needs what it stands for, and says so in French.
    refus = chef.post(
        reverse("gouvernance:instance_creer", args=["grand-dijon"]),
        instance_postee(
            "Cellule", [{"groupe": "agents"}, {"groupe": "signataires", "partenaire": pk("etat")}], selon_besoins="on"
        ),
    )
    texte = sans_balises(refus)
    assert "Choisissez l'organisation dont les agents sont membres." in texte
    assert "« les signataires du contrat » désigne plusieurs organisations : laissez l'organisation vide." in texte


# -- 4. as many member rows as needed in one form -------------------------------------------------


def test_eight_members_are_entered_in_one_form(territoire, connecter):
    chef = connecter("chef.projet")
    url = reverse("gouvernance:instance_creer", args=[territoire.slug])
    page = chef.get(url).content.decode()
    assert (
        page.count('name="membres-') and 'name="membres-2-fonction"' in page and 'name="membres-3-fonction"' not in page
    )
    # « Ajouter 5 lignes de membres »: the form comes back with eight rows, what was typed kept,
    # no error, nothing saved.
    trois_lignes = instance_postee("Cellule de veille", [{"fonction": "le Maire"}, {}, {}])
    plus = chef.post(url, {**trois_lignes, "ajouter_lignes": "1"})
    html = plus.content.decode()
    assert plus.status_code == 200 and 'name="membres-7-fonction"' in html and 'name="membres-8-fonction"' not in html
    assert 'value="Cellule de veille"' in html and 'value="le Maire"' in html
    assert "fr-error-text" not in html and "fr-alert--error" not in html
    assert not Instance.objects.filter(nom="Cellule de veille").exists()
    membres = [{"fonction": f"le référent n° {i}"} for i in range(1, 9)]
    cellule = creer_instance(
        chef, territoire, "Cellule de veille", membres, nature="cellule_pilotage", selon_besoins="on"
    )
    assert [m.fonction for m in cellule.membres.all()] == [f"le référent n° {i}" for i in range(1, 9)]


# -- 5, 6. minimums shown with their wording; N a year in the calendar year ----------------------


def rythme(frequence=None, periode="", mois="", frequence_max=None, au_moins=False):
    return Instance(frequence=frequence, periode=periode, mois=mois, frequence_max=frequence_max, au_moins=au_moins)


def test_twice_a_year_means_twice_in_the_calendar_year_whenever_held():
    liste = creneaux(rythme(2, "annee", au_moins=True), 2026, 2026)
    assert liste == [Creneau(date(2026, 1, 1), date(2026, 12, 31), 2)]
    septembre_octobre = [date(2026, 9, 15), date(2026, 10, 20)]
    assert manque(liste, septembre_octobre, date(2027, 1, 2)) is None
    assert manque(liste, septembre_octobre[:1], date(2027, 1, 2)) == liste[0]  # one of two: late once the year ends
    # Not late in the first half-year, nor while the months left can hold the meetings missing…
    assert manque(liste, [], date(2026, 7, 1)) is None
    assert manque(liste, septembre_octobre[:1], date(2026, 12, 1)) is None
    # …late as soon as they cannot: two missing, December alone left.
    assert manque(liste, [], date(2026, 12, 1)) == liste[0]
    assert en_mots(rythme(2, "annee", au_moins=True)) == "au moins 2 fois / an"


def test_a_minimum_is_entered_and_late_only_when_the_year_cannot_hold_it(territoire, connecter, monkeypatch):
    chef = connecter("chef.projet")
    comite = creer_instance(
        chef,
        territoire,
        "Comité de pilotage",
        frequence=2,
        au_moins="on",
        periode="annee",
        rythme_source="a minima deux fois par an",
    )
    creer_seance(chef, comite, "2026-09-15")
    creer_seance(chef, comite, "2026-10-20")
    au(monkeypatch, date(2026, 11, 30))
    page = chef.get(reverse("gouvernance:page", args=[territoire.slug])).content.decode()
    assert f'id="retard-{comite.pk}"' not in page
    assert "a minima deux fois par an" in page and "au moins 2 fois / an" in page
    autre = creer_instance(chef, territoire, "Comité technique", frequence=2, periode="annee")
    page = sans_balises(chef.get(reverse("gouvernance:page", args=[territoire.slug])))
    assert "Comité technique (2 fois / an) : 0 séance sur 2 attendues entre le 01/01/2026 et le 31/12/2026" not in page
    au(monkeypatch, date(2026, 12, 2))
    page = sans_balises(chef.get(reverse("gouvernance:page", args=[territoire.slug])))
    assert "Comité technique (2 fois / an) : 0 séance sur 2 attendues entre le 01/01/2026 et le 31/12/2026" in page
    assert "Comité de pilotage (au moins 2 fois / an) :" not in page
    assert autre.pk


# -- 7, 8. formations, bodies that prepare others, the new natures and roles ---------------------------


def test_new_natures_and_roles_and_no_two_bodies_preparing_each_other(territoire, connecter):
    chef = connecter("chef.projet")
    for nature in ("equipe_projet", "comite_territorial", "comite_financeurs", "cellule_pilotage", "comite_liaison"):
        creer_instance(
            chef,
            territoire,
            f"Instance {nature}",
            [
                {"partenaire": pk("ville-chenove"), "fonction": "la cheffe de projet", "role": "anime"},
                {"partenaire": pk("caf-21"), "fonction": "la conseillère territoriale", "role": "coanime"},
            ],
            nature=nature,
            selon_besoins="on",
        )
    page = sans_balises(chef.get(reverse("gouvernance:page", args=[territoire.slug])))
    assert "la cheffe de projet — Ville de Chenôve (anime)" in page
    assert "la conseillère territoriale — Caisse d'Allocations Familiales de la Côte-d'Or (co-anime)" in page
    a = Instance.objects.get(contrat=territoire, nature="equipe_projet")
    b = Instance.objects.get(contrat=territoire, nature="comite_liaison")
    donnees = instance_postee(b.nom, nature=b.nature, selon_besoins="on", lien="prepare", instance_liee=a.pk, version=1)
    assert chef.post(reverse("gouvernance:instance_modifier", args=[b.pk]), donnees).status_code == 302
    retour = instance_postee(a.nom, nature=a.nature, selon_besoins="on", lien="instruit", instance_liee=b.pk, version=1)
    refus = chef.post(reverse("gouvernance:instance_modifier", args=[a.pk]), retour)
    assert "deux instances ne peuvent pas se préparer l'une l'autre" in sans_balises(refus)
    seul = chef.post(reverse("gouvernance:instance_modifier", args=[a.pk]), {**retour, "lien": ""})
    assert "Choisissez à la fois le lien" in sans_balises(seul)


# -- 9. one body for several contracts -----------------------------------------------------------------


def test_a_departmental_body_serves_several_contracts(territoire, connecter, comptes):
    chef = connecter("chef.projet")
    departemental = creer_instance(
        chef,
        conventions_de(territoire),
        "Comité départemental de la politique de la ville",
        frequence=1,
        periode="annee",
        contrats_associes=[territoire.pk],
    )
    assert list(departemental.contrats_associes.all()) == [territoire]
    seance = creer_seance(chef, departemental, "2026-06-10")
    page = sans_balises(chef.get(reverse("gouvernance:page", args=[territoire.slug])))
    assert "Comité départemental de la politique de la ville" in page
    assert "Instance partagée, tenue par le contrat « Contrat de ville de la métropole dijonnaise »" in page
    agenda = Calendar.from_ical(chef.get(reverse("gouvernance:seances_ics", args=[territoire.slug])).content)
    assert [str(e["SUMMARY"]) for e in agenda.walk("VEVENT")] == ["Comité départemental de la politique de la ville"]
    # It is kept once: a change made from its own contract shows in the other.
    assert Instance.objects.filter(nom=departemental.nom).count() == 1 and seance.instance == departemental
    # Someone who sees only the other contract sees the shared body's séances, not the rest of Grand Dijon.
    assert Instance.objects.visible_to(comptes["chef.projet"]).filter(pk=departemental.pk).exists()


def conventions_de(territoire):
    return Contrat.objects.get(slug="grand-dijon")


# -- 10. the contract's own columns; the PDF across the page's width, on as many pages as needed -------


def test_the_chef_names_the_columns_and_a_long_scheme_runs_to_several_pages(territoire_vierge, connecter):
    territoire = territoire_vierge  # no column yet: the page offers the four to start from
    chef = connecter("chef.projet")
    url = reverse("gouvernance:colonnes", args=[territoire.slug])
    formulaire = chef.get(url).content.decode()
    assert all(
        f'value="{libelle}"' in formulaire for libelle in ("État", "Collectivités", "Conseils citoyens", "Copilotage")
    )
    colonnes = {"colonnes-TOTAL_FORMS": 6, "colonnes-INITIAL_FORMS": 0}
    for i, (cle, libelle) in enumerate(
        [
            ("etat", "État"),
            ("collectivites", "Collectivités"),
            ("conseils_citoyens", "Habitants"),
            ("copilotage", "Pilotage partagé"),
            ("", "Quartiers"),
            ("", "Bailleurs"),
        ]
    ):
        colonnes.update({f"colonnes-{i}-cle": cle, f"colonnes-{i}-libelle": libelle, f"colonnes-{i}-ordre": i + 1})
    assert chef.post(url, colonnes).status_code == 302
    assert [c.libelle for c in territoire.colonnes_du_schema.all()] == [
        "État",
        "Collectivités",
        "Habitants",
        "Pilotage partagé",
        "Quartiers",
        "Bailleurs",
    ]
    cles = {c.libelle: c.cle for c in territoire.colonnes_du_schema.all()}
    for n in range(60):
        colonne = list(cles.values())[n % 6]
        creer_instance(
            chef,
            territoire,
            f"Comité de quartier n° {n + 1}",
            [
                {"fonction": f"le référent de l'instance n° {n + 1}"},
                {"partenaire": pk("ville-chenove"), "fonction": "le Maire"},
            ],
            colonne=colonne,
            missions="Suivre les actions du quartier\nPréparer le bilan annuel\nAssocier les habitants",
            frequence=4,
            periode="annee",
        )
    page = chef.get(reverse("gouvernance:page", args=[territoire.slug])).content.decode()
    assert 'id="colonne-quartiers"' in page and ">Pilotage partagé</h3>" in page and ">Copilotage<" not in page
    reponse = chef.get(reverse("gouvernance:pdf", args=[territoire.slug]))
    pages = texte_pdf(reponse)
    assert len(pages) > 1 and hors_de_la_page(reponse.content) == []  # nothing past the 5 mm printers clip
    for texte in pages:  # the header on every page
        assert all(titre in texte for titre in ("ÉTAT", "HABITANTS", "PILOTAGE PARTAGÉ", "QUARTIERS", "BAILLEURS"))
    assert all(f"COMITÉ DE QUARTIER N° {n} " in " ".join(pages) + " " for n in range(1, 61))
    with pdfplumber.open(io.BytesIO(reponse.content)) as pdf:
        page = pdf.pages[0]
        bleu = [
            r
            for r in page.rects
            if r.get("fill")
            and r.get("non_stroking_color")
            and len(r["non_stroking_color"]) == 3
            and r["non_stroking_color"][2] > 0.5 > r["non_stroking_color"][0]
        ]  # the header's #000091
        entetes = list({round(r["x0"]): r for r in bleu}.values())
        assert len(entetes) == 6
        largeur_utile = page.width - 2 * 8 * 72 / 25.4
        assert sum(r["width"] for r in entetes) > 0.9 * largeur_utile  # the columns share the page's width
        assert max(r["width"] for r in entetes) - min(r["width"] for r in entetes) < 1
    # A column that holds bodies is not removed; one renamed keeps them.
    colonne = territoire.colonnes_du_schema.get(libelle="Bailleurs")
    actuelles = {"colonnes-TOTAL_FORMS": 6, "colonnes-INITIAL_FORMS": 6}
    for i, c in enumerate(territoire.colonnes_du_schema.all()):
        actuelles.update(
            {
                f"colonnes-{i}-id": c.pk,
                f"colonnes-{i}-libelle": c.libelle,
                f"colonnes-{i}-ordre": c.ordre,
                f"colonnes-{i}-version": c.version,
            }
        )
    refus = chef.post(url, {**actuelles, "colonnes-5-DELETE": "on"})
    assert "La colonne « Bailleurs » porte 10 instances" in sans_balises(refus)
    assert chef.post(url, {**actuelles, "colonnes-5-libelle": "Bailleurs sociaux"}).status_code == 302
    colonne.refresh_from_db()
    assert colonne.libelle == "Bailleurs sociaux" and Instance.objects.filter(colonne=colonne.cle).count() == 10
    assert Historique.objects.filter(objet="colonne", objet_id=colonne.pk, action="modification").exists()


# -- also seen ------------------------------------------------------------------------------------------


def test_preferred_months_across_new_year(territoire, connecter):
    chef = connecter("chef.projet")
    hiver = creer_instance(chef, territoire, "Comité d'hiver", frequence=1, periode="annee", mois="11-2")
    assert hiver.rythme == "1 fois / an entre novembre et février"
    assert creneaux(hiver, 2024, 2025)[0] == Creneau(date(2024, 11, 1), date(2025, 2, 28))
    assert manque(creneaux(hiver, 2024, 2025), [date(2025, 1, 20)], date(2025, 3, 15)) is None


def test_a_body_cannot_be_made_the_parent_of_its_own_parent(conventions, connecter):
    mous = Instance.objects.get(contrat=conventions, slug="mous")
    restreinte = Instance.objects.get(contrat=conventions, slug="mous-restreinte")
    donnees = instance_postee(mous.nom, nature=mous.nature, parent=restreinte.pk, version=mous.version)
    reponse = connecter("chef.projet").post(reverse("gouvernance:instance_modifier", args=[mous.pk]), donnees)
    assert reponse.status_code == 400
    assert "ne peut pas dépendre de l'une de ses propres sous-instances" in sans_balises(reponse)
    mous.refresh_from_db()
    assert mous.parent is None


def test_an_equal_maximum_is_accepted_as_an_exact_count_and_a_smaller_one_is_refused(territoire, connecter):
    chef = connecter("chef.projet")
    egal = creer_instance(chef, territoire, "Comité A", frequence=2, frequence_max=2, periode="annee")
    assert (egal.frequence_max, egal.rythme) == (None, "2 fois / an")
    refus = chef.post(
        reverse("gouvernance:instance_creer", args=[territoire.slug]),
        instance_postee("Comité B", frequence=3, frequence_max=2, periode="annee"),
    )
    assert "Le nombre maximal de réunions doit être au moins égal au nombre minimal." in sans_balises(refus)


def test_a_running_contract_with_a_body_without_rhythm_does_not_say_its_period_has_ended(
    territoire, connecter, monkeypatch
):
    chef = connecter("chef.projet")
    creer_instance(chef, territoire, "Groupe de travail", rythme_source="à définir")
    au(monkeypatch, date(2026, 11, 30))
    page = sans_balises(chef.get(reverse("gouvernance:page", args=[territoire.slug])))
    assert "achevée" not in page and "achevé" not in page
    assert "Sans rythme chiffré (selon les besoins, ou rythme à préciser) : Groupe de travail." in page


def test_preferred_months_are_for_a_yearly_rhythm(territoire, connecter):
    refus = connecter("chef.projet").post(
        reverse("gouvernance:instance_creer", args=[territoire.slug]),
        instance_postee("Comité semestriel", frequence=1, periode="semestre", mois="3"),
    )
    assert "Les mois préférés se donnent pour un rythme annuel" in sans_balises(refus)
    assert not Instance.objects.filter(nom="Comité semestriel").exists()


def test_a_mistaken_body_is_deleted_and_one_that_met_is_archived_then_restored(territoire, connecter, monkeypatch):
    chef = connecter("chef.projet")
    erreur = creer_instance(chef, territoire, "Comité saisi par erreur", frequence=1, periode="annee")
    assert (
        chef.post(reverse("gouvernance:instance_supprimer", args=[erreur.pk]), {"version": erreur.version}).status_code
        == 302
    )
    assert not Instance.objects.filter(pk=erreur.pk).exists()
    assert Historique.objects.filter(objet="instance", objet_id=erreur.pk, action="suppression").exists()
    ancien = creer_instance(chef, territoire, "Ancien comité", frequence=4, periode="annee")
    creer_seance(chef, ancien, "2024-03-01")
    ancien.refresh_from_db()
    supprimer = reverse("gouvernance:instance_supprimer", args=[ancien.pk])
    assert chef.post(supprimer, {"version": ancien.version}).status_code == 302
    assert chef.post(supprimer, {"version": ancien.version}).status_code == 409  # the second click does nothing
    ancien.refresh_from_db()
    assert ancien.archivee and ancien.seances.count() == 1
    au(monkeypatch, date(2026, 11, 30))
    page = chef.get(reverse("gouvernance:page", args=[territoire.slug])).content.decode()
    assert f'id="retard-{ancien.pk}"' not in page and "Instances archivées" in page
    assert f'href="/instances/{ancien.pk}/modifier/"' not in page
    assert "ANCIEN COMITÉ" not in " ".join(texte_pdf(chef.get(reverse("gouvernance:pdf", args=[territoire.slug]))))
    formulaire = chef.get(reverse("gouvernance:seance_creer", args=[territoire.slug])).content.decode()
    assert ">Ancien comité</option>" not in formulaire  # no new séance for an archived body
    assert f'name="version" value="{ancien.version}"' in page
    assert (
        chef.post(reverse("gouvernance:instance_retablir", args=[ancien.pk]), {"version": ancien.version}).status_code
        == 302
    )
    ancien.refresh_from_db()
    assert not ancien.archivee
    assert connecter("agent.caf").post(reverse("gouvernance:instance_supprimer", args=[ancien.pk])).status_code in (
        403,
        404,
    )


def test_ics_events_have_an_end_and_the_same_uid_under_any_address(territoire, connecter, settings):
    settings.ALLOWED_HOSTS = ["*"]
    chef = connecter("chef.projet")
    demi = creer_instance(chef, territoire, "MOUS", frequence=1, periode="mois", duree="½ journée")
    autre = creer_instance(chef, territoire, "Comité", frequence=1, periode="annee")
    creer_seance(chef, demi, "2026-03-03", heure="09:00")
    creer_seance(chef, autre, "2026-04-07", heure="14:00")
    creer_seance(chef, autre, "2026-05-05", heure="")
    url = reverse("gouvernance:seances_ics", args=[territoire.slug])
    evenements = Calendar.from_ical(chef.get(url, HTTP_HOST="cdv.exemple.fr").content).walk("VEVENT")
    durees = [(e.decoded("DTEND") - e.decoded("DTSTART")) for e in evenements]
    assert [d.total_seconds() / 3600 for d in durees] == [4, 2, 24]
    ailleurs = Calendar.from_ical(chef.get(url, HTTP_HOST="127.0.0.1:8000").content).walk("VEVENT")
    assert [str(e["UID"]) for e in evenements] == [str(e["UID"]) for e in ailleurs]


def test_an_ended_contract_says_so_and_lists_what_was_missed_once(conventions, connecter, monkeypatch):
    au(monkeypatch, date(2026, 11, 30))
    reponse = connecter("chef.projet").get(reverse("gouvernance:page", args=["grand-dijon"]))
    html = reponse.content.decode()
    assert "Le contrat s&#x27;est achevé fin 2020" in html or "Le contrat s'est achevé fin" in html
    assert "Instances en retard" not in html and "Prochaines séances attendues" not in html
    ids = re.findall(r'id="retard-(\d+)"', html)
    assert ids and len(ids) == len(set(ids))
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    assert re.search(
        rf'id="retard-{copil.pk}">Comité de pilotage \(1 fois / an en octobre\) : 4 périodes sur 4 sans sa séance '
        rf"\(10/2019 ; 10/2020 ; 10/2021 ; 10/2022\)",
        html,
    )


def test_a_second_click_on_the_columns_form_does_not_add_them_again(territoire_vierge, connecter):
    territoire = territoire_vierge  # no column yet: the page offers the four to start from
    chef = connecter("chef.projet")
    url = reverse("gouvernance:colonnes", args=[territoire.slug])
    premiere = {"colonnes-TOTAL_FORMS": 4, "colonnes-INITIAL_FORMS": 0}
    for i, (cle, libelle) in enumerate(
        [
            ("etat", "État"),
            ("collectivites", "Collectivités"),
            ("conseils_citoyens", "Conseils citoyens"),
            ("copilotage", "Copilotage"),
        ]
    ):
        premiere.update({f"colonnes-{i}-cle": cle, f"colonnes-{i}-libelle": libelle, f"colonnes-{i}-ordre": i + 1})
    assert chef.post(url, premiere).status_code == 302
    seconde = chef.post(url, premiere)  # the same page sent again
    assert seconde.status_code == 409 and "Les colonnes ont été modifiées entre-temps" in sans_balises(seconde)
    assert list(territoire.colonnes_du_schema.values_list("cle", flat=True)) == [
        "etat",
        "collectivites",
        "conseils_citoyens",
        "copilotage",
    ]


def test_a_member_given_as_a_group_with_a_function_keeps_both(conventions, connecter):
    """« les financeurs du contrat », described in the document as « techniciens des services partenaires
    co-financeurs »: the page and the scheme's PDF say both."""
    from gouvernance.models import Membre as MembreInstance

    comite = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    MembreInstance.objects.create(
        instance=comite, ordre=99, groupe="financeurs", fonction="techniciens des services partenaires co-financeurs"
    )
    attendu = "les financeurs du contrat (techniciens des services partenaires co-financeurs)"
    lecteur = connecter("lecteur")
    assert attendu in sans_balises(lecteur.get(reverse("gouvernance:page", args=["grand-dijon"])))
    pdf = " ".join(texte_pdf(lecteur.get(reverse("gouvernance:pdf", args=["grand-dijon"]))))
    assert attendu in re.sub(r"\s+", " ", pdf).replace("co- financeurs", "co-financeurs")  # (cut at its hyphen)


def test_an_organisation_two_groups_bring_is_convened_once(conventions):
    """The CAF signs the contract and finances it: « les signataires » and « les financeurs » convene it once."""
    from gouvernance import convocation
    from gouvernance.models import Membre as MembreInstance
    from gouvernance.models import Seance

    comite = Instance.objects.create(contrat=conventions, slug="pleniere", nom="Plénière", nature="autre")
    MembreInstance.objects.create(instance=comite, ordre=1, groupe="signataires")
    MembreInstance.objects.create(instance=comite, ordre=2, groupe="financeurs")
    convoques = convocation.convoques(Seance(instance=comite, date=date(2021, 3, 1)))
    caf = [p for p in convoques if p.partenaire and p.partenaire.slug == "caf-21"]
    assert len(caf) == 1
    organisations = [p.partenaire_id for p in convoques if p.partenaire_id]
    assert len(organisations) == len(set(organisations))


def test_a_person_is_in_the_attendance_once(conventions, connecter):
    """« le Maire — Ville de Dijon » typed « présent » on a new row beside the same person already on the list:
    refused in French under the second row, nothing written; changed on its own row, it goes through."""
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    chef = connecter("chef.projet")
    dijon = pk("ville-dijon")
    donnees = seance_postee(
        copil,
        "2021-11-09",
        **{
            "presences-TOTAL_FORMS": 2,
            "presences-0-nom": "le Maire",
            "presences-0-partenaire": dijon,
            "presences-0-etat": "invite",
            "presences-1-nom": "le  maire",
            "presences-1-partenaire": dijon,
            "presences-1-etat": "present",
        },
    )
    avant = Seance.objects.count()
    reponse = chef.post(reverse("gouvernance:seance_creer", args=["grand-dijon"]), donnees)
    assert reponse.status_code == 400
    assert "figure déjà dans les présences (ligne 1)" in sans_balises(reponse)
    assert Seance.objects.count() == avant
    donnees.update({"presences-TOTAL_FORMS": 1, "presences-0-etat": "present"})
    seance = creer_seance(chef, copil, "2021-11-09", **{k: v for k, v in donnees.items() if k.startswith("presences")})
    maires = [(p.nom, p.etat) for p in seance.presences.filter(partenaire_id=dijon, nom__icontains="maire")]
    assert maires == [("le Maire", "present")]


def test_a_minimum_with_only_some_months_known_keeps_them(territoire, connecter, monkeypatch):
    """« a minima 3 fois par an : mars, juin, … »: three meetings a year at least, two months named. The form
    keeps them, the page says « au moins 3 fois / an dont en mars et juin », and the year is judged on its
    count: three meetings in 2026, whatever their months, hold it."""
    chef = connecter("chef.projet")
    comite = creer_instance(
        chef,
        territoire,
        "Comité technique",
        nature="comite_technique",
        frequence=3,
        periode="annee",
        au_moins="on",
        mois="3,6",
        rythme_source="a minima 3 fois par an : mars, juin, ...",
    )
    assert comite.mois == "3,6" and comite.rythme == "au moins 3 fois / an dont en mars et juin"
    for jour in ("2026-03-10", "2026-06-12", "2026-11-20"):
        creer_seance(chef, comite, jour)
    au(monkeypatch, date(2027, 1, 15))
    page = chef.get(reverse("gouvernance:page", args=[territoire.slug])).content.decode()
    assert f'id="retard-{comite.pk}"' not in page
    assert "au moins 3 fois / an dont en mars et juin" in sans_balises(
        chef.get(reverse("gouvernance:page", args=[territoire.slug]))
    )
    # The scheme's PDF keeps the document's own words beside the rhythm.
    pdf = re.sub(r"\s+", " ", " ".join(texte_pdf(chef.get(reverse("gouvernance:pdf", args=[territoire.slug])))))
    assert "(le document : « a minima 3 fois par an : mars, juin, ... »)" in pdf
    # More month runs than meetings is still refused, in French.
    refus = chef.post(
        reverse("gouvernance:instance_creer", args=[territoire.slug]),
        instance_postee("Autre comité", (), nature="autre", frequence=1, periode="annee", mois="3,6"),
    )
    assert refus.status_code == 400 and "Plus de périodes de mois que de réunions par an" in sans_balises(refus)
