"""The State's view across contracts (`/consolidation/`): who reads what, the totals of the page and of its
files against the contracts' own annexes, and the cost at any number of contracts."""

import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from contrat.models import Contrat, Habilitation, Partenaire
from engagements.annexe import Annexe
from engagements.models import Estimation


def _texte_pdf(contenu):
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages))


def _texte(reponse):
    return re.sub(r"\s+", " ", reponse.content.decode().replace("\u202f", " ").replace("\xa0", " "))


@pytest.fixture
def role(comptes, django_user_model):
    """role("region", "27") -> an account holding that role across contracts (accepted)."""

    def _role(niveau, code="", partenaire=None):
        nom = f"{niveau}.{code or partenaire}"
        user = django_user_model.objects.create_user(nom, email=f"{nom}@example.org")
        Habilitation.objects.create(
            email=user.email,
            niveau=niveau,
            code=code,
            partenaire=Partenaire.objects.get(slug=partenaire) if partenaire else None,
            user=user,
            envoyee_le=timezone.now(),
            acceptee_le=timezone.now(),
        )
        return user

    return _role


def test_the_contracts_carry_their_departements_and_region_from_their_communes_insee_codes(conventions):
    from contrat.models import Commune

    dijon = Commune.objects.get(slug="dijon")
    assert (dijon.code_insee, dijon.departement, dijon.region) == ("21231", "21", "27")
    assert set(Commune.objects.filter(contrats__slug="seine-amont").values_list("departement", "region")) == {
        ("94", "11")
    }


def test_a_ddets_of_the_21_sees_its_two_contracts_with_the_caf_s_2015_total(connecter):
    client = connecter("ddets.21")
    page = _texte(client.get("/consolidation/?annee=2015"))
    assert "Grand Dijon" in page or "grand-dijon" in page
    contrats = client.get("/consolidation/contrats.json?annee=2015").json()
    assert {r["contrat"] for r in contrats["lignes"]} == {"grand-dijon", "ctg-dijon"}
    caf = _texte(client.get("/consolidation/?annee=2015&partenaire=caf-21"))
    assert "prévu 43 130 000 €" in caf
    assert client.get("/consolidation/?annee=2015&partenaire=caf-21&departement=94").status_code == 200
    vide = client.get("/consolidation/contrats.json?annee=2015&departement=94").json()
    assert vide["lignes"] == []


def test_a_ddets_reads_its_contracts_and_writes_nothing_and_does_not_see_another_departement(connecter):
    from engagements.models import Dispositif

    client = connecter("ddets.21")
    for url in ["/contrats/grand-dijon/", "/contrats/grand-dijon/annexe-financiere/", "/contrats/ctg-dijon/"]:
        assert client.get(url).status_code == 200, url
    dispositif = Dispositif.objects.get(contrat__slug="grand-dijon", code="caf-2015-06")
    estimation = dispositif.estimations.get(annee=2015)
    ecritures = [
        ("get", "/contrats/grand-dijon/modifier/"),
        ("get", "/contrats/grand-dijon/membres/"),
        ("get", "/contrats/grand-dijon/tableau-de-bord/"),
        ("get", f"/dispositifs/{dispositif.pk}/modifier/"),
        ("get", f"/estimations/{estimation.pk}/modifier/"),
        ("post", f"/estimations/{estimation.pk}/modifier/"),
        ("post", f"/estimations/{estimation.pk}/supprimer/"),
        ("post", f"/dispositifs/{dispositif.pk}/archiver/"),
        ("post", "/contrats/grand-dijon/contributions/caf-21/2015/soumettre/"),
        ("post", "/contrats/grand-dijon/contributions/caf-21/2015/valider/"),
        ("get", "/contrats/grand-dijon/collectes/ouvrir/"),
    ]
    for methode, url in ecritures:
        assert getattr(client, methode)(url).status_code == 403, url
    estimation.refresh_from_db()
    assert estimation.montant_annuel == Decimal("12100000")
    for url in ["/contrats/seine-amont/", "/contrats/seine-amont/annexe-financiere/", "/contrats/seine-amont/fiches/"]:
        assert client.get(url).status_code == 404, url
    assert client.get("/consolidation/?contrat=seine-amont").status_code == 400


def test_a_region_role_sees_the_contracts_of_its_departements(connecter, client, role):
    client.force_login(role("region", "27"))
    lus = client.get("/consolidation/contrats.json").json()
    assert {r["contrat"] for r in lus["lignes"]} == {"grand-dijon", "ctg-dijon"}
    client.force_login(role("region", "11"))
    lus = client.get("/consolidation/contrats.json").json()
    assert {r["contrat"] for r in lus["lignes"]} == {"seine-amont"}
    assert client.get("/contrats/grand-dijon/").status_code == 404
    client.force_login(role("nation"))
    lus = client.get("/consolidation/contrats.json").json()
    assert {r["contrat"] for r in lus["lignes"]} == set(Contrat.objects.values_list("slug", flat=True))


def test_a_caf_network_role_reads_only_the_caf_s_lines(connecter):
    client = connecter("reseau.caf")
    partenaires = client.get("/consolidation/partenaires.json?annee=2015").json()
    assert [r["partenaire"] for r in partenaires["lignes"]] == ["caf-21"]
    assert partenaires["total"]["prevu"] == "43130000.00"
    toutes = client.get("/consolidation/annees.json").json()
    caf = Estimation.objects.filter(partenaire__slug="caf-21", dispositif__archive=False)
    assert sum(r["lignes"] for r in toutes["lignes"]) == caf.count()
    # Its own lines: the contracts themselves stay closed.
    assert client.get("/contrats/grand-dijon/").status_code == 404
    assert "Rapport annuel" not in client.get("/consolidation/?annee=2015").content.decode()


def test_no_role_across_contracts_is_a_403(connecter):
    for compte in ["agent.caf", "chef.projet", "lecteur"]:
        assert connecter(compte).get("/consolidation/").status_code == 403, compte
    assert connecter("admin").get("/consolidation/").status_code == 200


def test_a_filter_that_does_not_hold_is_a_400_said_in_french(connecter):
    client = connecter("ddets.21")
    reponse = client.get("/consolidation/?annee=1990&partenaire=inconnu")
    assert reponse.status_code == 400
    texte = _texte(reponse)
    assert "Aucun des contrats que vous lisez ne couvre cette année." in texte
    assert "Aucune organisation n&#x27;a l&#x27;identifiant ou le SIREN « inconnu »" in texte
    assert client.get("/consolidation/contrats.json?annee=abc").status_code == 400


def _somme_des_annexes(slugs, annee, partenaire=None):
    """The contracts' own annexes added up, each as its page computes it."""
    total = Decimal(0)
    for slug in slugs:
        annexe = Annexe(Contrat.objects.get(slug=slug), annee)
        for recap in annexe.recapitulatif:
            if partenaire is None or recap.partenaire.slug == partenaire:
                total += recap.total_annuel or 0
    return total


def _lignes_de_la_ctg():
    """Lines in the second contract of the département: an amount with cents, one not known, one archived."""
    from engagements.models import Dispositif

    ctg = Contrat.objects.get(slug="ctg-dijon")
    ville = Partenaire.objects.get(slug="caf-21")
    for code, montant, archive in [("ctg-1", "1234.56", False), ("ctg-2", None, False), ("ctg-3", "999", True)]:
        d = Dispositif.objects.create(contrat=ctg, code=code, partenaire=ville, intitule=code, archive=archive)
        Estimation.objects.create(dispositif=d, partenaire=ville, annee=2015, montant_annuel=montant)


def test_the_files_give_the_page_s_totals_and_the_sum_of_the_annexes(connecter, pdf_une_fois):
    _lignes_de_la_ctg()
    annee = 2015
    client = connecter("ddets.21")
    attendu = _somme_des_annexes(["grand-dijon", "ctg-dijon"], annee)
    assert attendu == Decimal("43131234.56")
    json_ = client.get(f"/consolidation/natures.json?annee={annee}").json()
    assert Decimal(json_["total"]["prevu"]) == attendu
    assert sum(Decimal(r["prevu"] or 0) for r in json_["lignes"]) == attendu
    contrats = client.get(f"/consolidation/contrats.json?annee={annee}").json()
    assert sum(Decimal(r["prevu"] or 0) for r in contrats["lignes"]) == attendu
    feuille = load_workbook(io.BytesIO(client.get(f"/consolidation/contrats.xlsx?annee={annee}").content)).active
    rangs = list(feuille.iter_rows(values_only=True))
    colonne = rangs[0].index("Prévu (€)")
    assert sum(Decimal(str(r[colonne] or 0)) for r in rangs[1:]) == attendu
    page = _texte(client.get(f"/consolidation/?annee={annee}"))
    from noyau.montants import euros

    assert f"prévu {euros(attendu)}".replace("\u202f", " ").replace("\xa0", " ") in page
    pdf = client.get(f"/consolidation.pdf?annee={annee}")
    assert pdf["Content-Type"] == "application/pdf"
    texte = _texte_pdf(pdf.content)
    assert f"Prévu {annee} : {euros(attendu)}".replace("\u202f", " ").replace("\xa0", " ") in texte
    assert "Département 21 — Côte-d'Or — revue des engagements 2015" in texte


CONSOLIDEES = [
    ("region", "/consolidation/?annee=2025&region=27"),
    ("region", "/consolidation/?annee=2025&departement=21&nature=bilan"),
    ("region", "/consolidation/contrats.json?annee=2025&region=27"),
    ("region", "/consolidation/partenaires.xlsx?annee=2025&region=27"),
    ("region", "/consolidation/instances.json?region=27"),
    ("region", "/consolidation/qpv.json?annee=2025"),
    ("reseau", "/consolidation/?annee=2025"),
    ("reseau", "/consolidation/contrats.json?annee=2025"),
]


@pytest.mark.parametrize("qui,adresse", CONSOLIDEES)
def test_a_consolidated_page_costs_the_same_queries_for_1_or_12_contracts_of_the_region(client, qui, adresse, role):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from contrat.models import Commune

    from .test_volume_national import _contrat

    national = Partenaire.objects.create(nom="France Travail (essai)", sigle="FT", slug="france-travail-essai")
    agent = get_user_model().objects.create_user("agent.ft", "agent.ft@example.org")
    beaune = Commune.objects.create(nom="Beaune", slug="beaune", code_insee="21054")
    client.force_login(role("region", "27") if qui == "region" else role("reseau", partenaire=national.slug))

    def ajouter(i):
        _contrat(i, national, agent).communes.add(beaune)

    def requetes():
        client.get(adresse)
        with CaptureQueriesContext(connection) as capture:
            reponse = client.get(adresse)
        assert reponse.status_code == 200, (adresse, reponse.status_code)
        return len(capture.captured_queries), reponse

    ajouter(1)
    a_un, _ = requetes()
    for i in range(2, 13):
        ajouter(i)
    a_douze, reponse = requetes()
    assert a_douze == a_un, f"{adresse} : {a_un} requêtes pour 1 contrat, {a_douze} pour 12"
    if "contrats.json" in adresse:
        assert len(reponse.json()["lignes"]) == (12 + 2 if qui == "region" else 12)  # and grand-dijon, ctg-dijon


def test_a_line_counts_once_in_each_qpv_it_targets_and_once_among_those_targeting_none(connecter):
    from contrat.models import Commune, Quartier, QuartierPrioritaire
    from engagements.models import Dispositif

    grand_dijon = Contrat.objects.get(slug="grand-dijon")
    qpv = QuartierPrioritaire.objects.create(code="QN02199X", nom="Quartier à cheval")
    parties = [
        Quartier.objects.create(nom=f"Partie {c}", slug=f"partie-{c}", commune=Commune.objects.get(slug=c), qpv=qpv)
        for c in ("dijon", "chenove")
    ]
    caf = Partenaire.objects.get(slug="caf-21")
    d = Dispositif.objects.create(contrat=grand_dijon, code="a-cheval", partenaire=caf, intitule="À cheval")
    d.quartiers.set(parties)
    Estimation.objects.create(dispositif=d, partenaire=caf, annee=2015, montant_annuel=Decimal("1000.10"))
    lignes = connecter("ddets.21").get("/consolidation/qpv.json?annee=2015").json()["lignes"]
    par_code = {r["qpv"]: r for r in lignes}
    assert (par_code["QN02199X"]["lignes"], par_code["QN02199X"]["prevu"]) == (1, "1000.10")
    assert (par_code[""]["lignes"], par_code[""]["prevu"]) == (37, "43130000.00")
    assert par_code[""]["qpv_nom"] == "Sans quartier prioritaire identifié"


def _lien_du_courriel():
    from noyau.models import Courriel

    courriel = Courriel.objects.filter(nature="habilitation").latest("pk")
    return re.search(r"https?://[^/\s]+(/consolidation/roles/lien/\S+/)", courriel.corps).group(1), courriel


def test_an_administrateur_invites_a_ddets_which_creates_its_account_from_the_link(client, connecter, comptes):
    from django.contrib.auth import get_user_model

    admin = connecter("admin")
    reponse = admin.post(
        "/consolidation/roles/",
        {"email": "Agent@DDETS-21.gouv.fr", "niveau": "departement", "code": "21", "service": "DDETS 21"},
    )
    assert reponse.status_code == 302, reponse.content.decode()
    habilitation = Habilitation.objects.get(email="agent@ddets-21.gouv.fr")
    assert habilitation.en_attente and habilitation.user is None
    lien, courriel = _lien_du_courriel()
    assert courriel.destinataires == ["agent@ddets-21.gouv.fr"] and "Département 21 — Côte-d'Or" in courriel.corps
    client.logout()
    assert client.get(lien).status_code == 200
    reponse = client.post(
        lien,
        {"nom": "Camille Martin", "mot_de_passe": "un-long-mot-de-passe-42", "confirmation": "un-long-mot-de-passe-42"},
    )
    assert reponse.status_code == 302 and reponse["Location"] == "/consolidation/"
    compte = get_user_model().objects.get(email="agent@ddets-21.gouv.fr")
    habilitation.refresh_from_db()
    assert habilitation.active and habilitation.user == compte
    lus = client.get("/consolidation/contrats.json").json()
    assert {r["contrat"] for r in lus["lignes"]} == {"grand-dijon", "ctg-dijon"}
    assert client.get(lien).status_code == 410  # single use
    # Revoked: nothing more is read, from the next request on.
    client.force_login(comptes["admin"])
    assert client.post(f"/consolidation/roles/{habilitation.pk}/retirer/").status_code == 302
    client.force_login(compte)
    assert client.get("/consolidation/").status_code == 403
    assert client.get("/contrats/grand-dijon/").status_code == 404


def test_a_region_grants_the_departements_in_it_and_nothing_wider(client, role):
    client.force_login(role("region", "27"))
    assert (
        client.post(
            "/consolidation/roles/", {"email": "ddets@cote-or.gouv.fr", "niveau": "departement", "code": "21"}
        ).status_code
        == 302
    )
    refus = client.post(
        "/consolidation/roles/", {"email": "ddets@val-de-marne.gouv.fr", "niveau": "departement", "code": "94"}
    )
    assert refus.status_code == 400
    assert "Vous ne pouvez pas accorder ce rôle : il dépasse le vôtre." in refus.content.decode()
    refus = client.post("/consolidation/roles/", {"email": "x@gouv.fr", "niveau": "region", "code": "27"})
    assert refus.status_code == 400
    refus = client.post("/consolidation/roles/", {"email": "x@gouv.fr", "niveau": "departement", "code": "99"})
    assert "« 99 » n&#x27;est pas le code d&#x27;un département" in refus.content.decode()
    assert list(Habilitation.objects.filter(revoquee=False, acceptee_le__isnull=True).values_list("email", "code")) == [
        ("ddets@cote-or.gouv.fr", "21")
    ]
    # It sees and revokes the roles of its départements only.
    page = client.get("/consolidation/roles/").content.decode()
    assert "ddets@cote-or.gouv.fr" in page and "region.27@example.org" not in page
    autre = Habilitation.objects.get(niveau="region")
    assert client.post(f"/consolidation/roles/{autre.pk}/retirer/").status_code == 404


def test_an_existing_account_accepts_signed_in_and_no_other_account_can(client, connecter, comptes):
    connecter("admin").post(
        "/consolidation/roles/", {"email": "lecteur@example.org", "niveau": "reseau", "partenaire": "caf-21"}
    )
    lien, _ = _lien_du_courriel()
    client.logout()
    assert client.get(lien).status_code == 302  # to the login page
    client.force_login(comptes["agent.caf"])
    assert client.get(lien).status_code == 403
    client.force_login(comptes["lecteur"])
    assert client.get(lien).status_code == 200
    assert client.post(lien).status_code == 302
    assert Habilitation.objects.get(email="lecteur@example.org").active
    partenaires = client.get("/consolidation/partenaires.json?annee=2015").json()
    assert [r["partenaire"] for r in partenaires["lignes"]] == ["caf-21"]


def test_only_an_administrateur_or_a_wider_role_opens_the_roles_page(connecter):
    for compte in ["agent.caf", "chef.projet", "ddets.21", "reseau.caf"]:
        assert connecter(compte).get("/consolidation/roles/").status_code == 403, compte


def test_a_network_sees_its_open_campaigns_across_contracts_with_the_grid_where_it_enters(client, role):
    from datetime import timedelta

    from django.contrib.auth import get_user_model

    from contrat.models import Membre
    from engagements.models import Collecte

    from .test_volume_national import _contrat

    national = Partenaire.objects.create(nom="France Travail (essai)", sigle="FT", slug="france-travail-essai")
    agent = get_user_model().objects.create_user("agent.ft", "agent.ft@example.org")
    for i in range(1, 4):
        _contrat(i, national, agent)
    # A campaign already late, and one contract where the direction enters the figures itself.
    Collecte.objects.filter(contrat__slug="contrat-3").update(echeance=timezone.localdate() - timedelta(days=1))
    direction = role("reseau", partenaire="france-travail-essai")
    Membre.objects.create(
        user=direction, partenaire=national, role="agent", contrat=Contrat.objects.get(slug="contrat-2")
    )
    client.force_login(direction)
    page = _texte(client.get("/consolidation/?annee=2025"))
    assert "Collectes ouvertes de votre réseau (3)" in page
    assert (
        "<strong>3 collectes sur 3</strong> attendent encore la contribution de votre organisation ; "
        "1 à la date limite dépassée" in page
    )
    assert page.count("Par l'agent du contrat") == 2
    assert page.count('href="/contrats/contrat-2/contributions/france-travail-essai/2025/"') == 1
    # Its own lines only: the porteurs' lines of the same contracts are not read.
    partenaires = client.get("/consolidation/partenaires.json?annee=2025").json()
    assert [r["partenaire"] for r in partenaires["lignes"]] == ["france-travail-essai"]
    assert partenaires["total"]["prevu"] == "3000.00"


def test_the_home_of_a_role_across_contracts_leads_to_the_consolidation(connecter):
    accueil = _texte(connecter("ddets.21").get("/"))
    assert "Département 21 — Côte-d&#x27;Or (DDETS de la Côte-d&#x27;Or)" in accueil
    assert 'href="/consolidation/"' in accueil
    assert 'href="/consolidation/"' not in _texte(connecter("agent.caf").get("/"))


def test_the_list_files_carry_the_stable_identifiers_the_pages_do_not_show(connecter):
    import csv

    client = connecter("chef.projet")
    for adresse, siren in [
        ("/estimations/export.csv?contrat=grand-dijon&annee=2015", "SIREN du partenaire"),
        ("/dispositifs/export.csv?contrat=grand-dijon", "SIREN du service responsable"),
    ]:
        rangs = list(csv.reader(io.StringIO(client.get(adresse).content.decode("utf-8-sig")), delimiter=";"))
        entetes = rangs[0]
        assert entetes[-3:] == ["Identifiant du contrat", "Identifiant du dispositif", siren], adresse
        assert ["grand-dijon", "caf-2015-06"] in [r[-3:-1] for r in rangs[1:]], adresse
    page = client.get("/estimations/?contrat=grand-dijon&annee=2015").content.decode()
    assert "Identifiant du dispositif" not in page


def test_a_territory_and_a_network_held_together_read_whole_contracts_there_and_own_lines_elsewhere(client, role):
    from django.contrib.auth import get_user_model

    from .test_volume_national import _contrat

    national = Partenaire.objects.create(nom="France Travail (essai)", sigle="FT", slug="france-travail-essai")
    _contrat(1, national, get_user_model().objects.create_user("agent.ft", "agent.ft@example.org"))
    double = role("departement", "21")
    Habilitation.objects.create(
        email=double.email, user=double, niveau="reseau", partenaire=national, acceptee_le=timezone.now()
    )
    client.force_login(double)
    contrats = {r["contrat"]: r for r in client.get("/consolidation/contrats.json?annee=2025").json()["lignes"]}
    assert set(contrats) == {"grand-dijon", "ctg-dijon", "contrat-1"}
    # Outside its territory: its own organisation among those expected, no report, no page.
    assert contrats["contrat-1"]["collecte"] == "0 / 1 validée" and contrats["contrat-1"]["rapport"] == "—"
    assert contrats["grand-dijon"]["rapport"] != "—"
    partenaires = client.get("/consolidation/partenaires.json?annee=2025").json()["lignes"]
    assert [r["partenaire"] for r in partenaires] == ["france-travail-essai"]  # not the porteur of contrat-1
    page = client.get("/consolidation/?annee=2025").content.decode()
    assert 'href="/contrats/grand-dijon/"' in page and 'href="/contrats/contrat-1/"' not in page
    assert client.get("/contrats/contrat-1/").status_code == 404


def test_the_same_role_is_not_offered_twice_to_one_address(connecter):
    admin = connecter("admin")
    for niveau, valeurs in [("departement", {"code": "21"}), ("reseau", {"partenaire": "caf-21"})]:
        donnees = {"email": "double@gouv.fr", "niveau": niveau, **valeurs}
        assert admin.post("/consolidation/roles/", donnees).status_code == 302
        refus = admin.post("/consolidation/roles/", donnees)
        assert refus.status_code == 400, niveau
        assert "Cette adresse a déjà ce rôle (ou une invitation en attente pour lui)." in refus.content.decode()
    assert Habilitation.objects.filter(email="double@gouv.fr").count() == 2


# Posted by anyone, signed in or not: signing out, and asking a new link for an invitation (it writes nothing).
POSTS_DE_TOUS = {"logout", "contrat:invitation_nouveau_lien"}


def _ecritures():
    from .test_matrice_urls import MATRICE, ROLES

    colonne = ROLES.index("ddets.21")
    return sorted(nom for nom, (_, statuts) in MATRICE.items() if statuts[colonne] in (403, 405))


@pytest.mark.parametrize("nom", _ecritures())
def test_every_write_of_the_matrix_posted_by_the_ddets_is_refused_and_writes_nothing(connecter, nom):
    from noyau.models import Historique

    from .test_matrice_urls import MATRICE, _url

    url = _url(nom, MATRICE[nom][0])
    avant = Historique.objects.count()
    statut = connecter("ddets.21").post(url, {}).status_code
    assert Historique.objects.count() == avant, url
    if nom not in POSTS_DE_TOUS:
        assert statut in (403, 404), (url, statut)


def test_the_chef_de_projet_gives_a_commune_its_insee_code_which_places_the_contract(connecter):
    from contrat.models import Commune

    chef = connecter("chef.projet")
    url = "/contrats/grand-dijon/perimetre/communes/ajouter/"
    refus = chef.post(url, {"commune-nom": "Beaune", "commune-code_insee": "2105"})
    assert refus.status_code == 400
    assert "« 2105 » n&#x27;est pas un code INSEE de commune" in refus.content.decode()
    refus = chef.post(url, {"commune-nom": "Nulle part", "commune-code_insee": "99001"})
    assert "ne correspond à aucun département" in refus.content.decode()
    assert not Commune.objects.filter(nom__in=["Beaune", "Nulle part"]).exists()  # nothing half-written
    assert chef.post(url, {"commune-nom": "Vitry-sur-Seine", "commune-code_insee": "94081"}).status_code == 302
    # The commune of that code, shared: not a second Vitry.
    assert Commune.objects.filter(nom="Vitry-sur-Seine").count() == 1
    page = chef.get("/contrats/grand-dijon/perimetre/").content.decode()
    assert "(94081, département 94)" in page
    # Now in the 94 as well: the Val-de-Marne's DDETS reads it.
    lus = connecter("admin").get("/consolidation/contrats.json?departement=94").json()
    assert {r["contrat"] for r in lus["lignes"]} == {"grand-dijon", "seine-amont"}


def test_the_annexe_workbook_keeps_its_layout_and_gives_each_line_its_identifiers_on_a_sheet_of_its_own(connecter):
    reponse = connecter("chef.projet").get("/contrats/grand-dijon/annexe-financiere.xlsx?annee=2015&partenaire=caf-21")
    classeur = load_workbook(io.BytesIO(reponse.content))
    assert classeur.sheetnames[0] == "Annexe 2015" and classeur.sheetnames[-1] == "Identifiants"
    rangs = list(classeur["Identifiants"].iter_rows(values_only=True))
    assert rangs[0][:5] == (
        "Identifiant du contrat",
        "Identifiant du dispositif",
        "Identifiant de l'organisation",
        "SIREN",
        "Année",
    )
    assert ("grand-dijon", "caf-2015-06", "caf-21") in [r[:3] for r in rangs[1:]]
    assert {r[4] for r in rangs[1:]} == {2015}
    assert sum(Decimal(str(r[5] or 0)) for r in rangs[1:]) == Decimal("43130000")


def test_a_second_click_on_accept_or_an_account_made_meanwhile_is_said_never_a_500(client, comptes, monkeypatch):
    from django.contrib.auth import get_user_model

    from consolidation import roles
    from contrat import habilitations

    admin = comptes["admin"]
    deja = habilitations.inviter(admin, "lecteur@example.org", "departement", "21")
    lien = habilitations._lien(deja)
    client.force_login(comptes["lecteur"])
    with monkeypatch.context() as m:
        # Both clicks read the link while it was pending; the first one accepts it.
        m.setattr(habilitations, "lire", lambda jeton: Habilitation.objects.get(pk=deja.pk))
        assert client.post(lien).status_code == 302
        second = client.post(lien)
    assert second.status_code == 409 and "n&#x27;est plus en attente" in second.content.decode()
    # No account when the page was shown, one made before the form was sent: sign in, nothing created twice.
    nouvelle = habilitations.inviter(admin, "arrive@example.org", "departement", "21")
    lien = habilitations._lien(nouvelle)
    client.logout()
    assert client.get(lien).status_code == 200
    get_user_model().objects.create_user("arrive", "arrive@example.org")
    monkeypatch.setattr(roles, "compte_de", lambda email: None)  # the page as it was when it was shown
    mot = "un-long-mot-de-passe-42"
    reponse = client.post(lien, {"nom": "Arrivé", "mot_de_passe": mot, "confirmation": mot})
    assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/")
    assert get_user_model().objects.filter(email="arrive@example.org").count() == 1
    assert Habilitation.objects.get(pk=nouvelle.pk).en_attente
