import datetime
import html
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from contrat.models import Partenaire
from engagements.models import Dispositif, Estimation
from noyau import versions as services
from noyau.models import Historique

from .test_formulaires import donnees_estimation


@pytest.fixture
def ligne(conventions):
    return Dispositif.objects.get(code="caf-2015-06")


@pytest.fixture
def deux_agents(comptes, conventions):
    """Two people of the CAF editing at once: agent.caf and a colleague."""
    from django.contrib.auth.models import User

    from contrat.models import Membre, Partenaire

    collegue = User.objects.create_user("collegue.caf", first_name="Collègue de la CAF")
    Membre.objects.create(
        user=collegue, partenaire=Partenaire.objects.get(slug="caf-21"), role="agent", contrat=conventions
    )
    a, b = Client(), Client()
    a.force_login(comptes["agent.caf"])
    b.force_login(collegue)
    return a, b


def test_the_second_save_is_refused_and_shows_what_the_first_saved(deux_agents, ligne):
    a, b = deux_agents
    estimation = ligne.estimations.get()
    # Both open the form on version 1.
    assert 'name="version" value="1"' in a.get(f"/estimations/{estimation.pk}/modifier/").content.decode()
    assert 'name="version" value="1"' in b.get(f"/estimations/{estimation.pk}/modifier/").content.decode()
    assert (
        b.post(
            f"/estimations/{estimation.pk}/modifier/", donnees_estimation(estimation, montant_annuel="12 500 000")
        ).status_code
        == 302
    )
    refus = a.post(
        f"/estimations/{estimation.pk}/modifier/", donnees_estimation(estimation, montant_annuel="11 000 000")
    )
    assert refus.status_code == 409
    html = refus.content.decode()
    assert "Collègue de la CAF a enregistré une modification pendant que vous travailliez" in html
    assert "12 100 000 € → 12 500 000 €" in html
    assert 'value="11 000 000"' in html  # what A typed is kept
    assert 'name="version" value="2"' in html
    estimation.refresh_from_db()
    assert estimation.montant_annuel == Decimal("12500000") and estimation.version == 2
    # Saving again, knowingly, replaces the colleague's version.
    assert (
        a.post(
            f"/estimations/{estimation.pk}/modifier/",
            donnees_estimation(estimation, montant_annuel="11 000 000", version=2),
        ).status_code
        == 302
    )
    estimation.refresh_from_db()
    assert estimation.montant_annuel == Decimal("11000000") and estimation.version == 3


def test_a_stale_dispositif_save_is_refused_too(deux_agents, ligne):
    a, b = deux_agents
    donnees = {"partenaire": ligne.partenaire_id, "statut": "actif", "version": 1}
    assert b.post(f"/dispositifs/{ligne.pk}/modifier/", {**donnees, "intitule": "Version de B"}).status_code == 302
    assert a.post(f"/dispositifs/{ligne.pk}/modifier/", {**donnees, "intitule": "Version de A"}).status_code == 409
    ligne.refresh_from_db()
    assert ligne.intitule == "Version de B"


def test_the_service_refuses_a_write_on_an_old_version(comptes, ligne):
    estimation = ligne.estimations.get()
    premiere = Estimation.objects.get(pk=estimation.pk)
    seconde = Estimation.objects.get(pk=estimation.pk)
    premiere.montant_annuel = Decimal("1")
    services.modifier(comptes["agent.caf"], premiere, 1)
    seconde.montant_annuel = Decimal("2")
    with pytest.raises(services.Conflit) as erreur:
        services.modifier(comptes["agent.caf"], seconde, 1)
    assert erreur.value.actuel.montant_annuel == Decimal("1")
    assert Estimation.objects.get(pk=estimation.pk).montant_annuel == Decimal("1")
    assert Historique.objects.filter(objet="estimation", objet_id=estimation.pk).count() == 1


def test_every_change_is_recorded_and_shown(connecter, ligne):
    client = connecter("agent.caf")
    estimation = ligne.estimations.get()
    client.post(f"/estimations/{estimation.pk}/modifier/", donnees_estimation(estimation, montant_annuel="12 000 000"))
    client.post(
        f"/dispositifs/{ligne.pk}/modifier/",
        {
            "partenaire": ligne.partenaire_id,
            "intitule": "Solvabilisation des familles",
            "statut": "actif",
            "version": 1,
        },
    )
    nouvelle = Estimation.objects.create(dispositif=ligne, partenaire=ligne.partenaire, annee=2016)
    client.post(f"/estimations/{nouvelle.pk}/supprimer/", {"version": 1})
    entrees = list(Historique.objects.filter(dossier=f"dispositif:{ligne.pk}").order_by("date", "pk"))
    assert [(e.objet, e.action) for e in entrees] == [
        ("estimation", "modification"),
        ("dispositif", "modification"),
        ("estimation", "suppression"),
    ]
    assert all(e.user.username == "agent.caf" and e.user_nom == "Agent de la CAF de la Côte-d'Or" for e in entrees)
    assert entrees[0].avant["montant_annuel"] == "12100000.00" and entrees[0].apres["montant_annuel"] == "12000000.00"
    assert entrees[2].apres is None and entrees[2].avant["annee"] == 2016
    page = client.get(f"/dispositifs/{ligne.pk}/").content.decode()
    assert "valorisation financière annuelle (€) : 12 100 000 € → 12 000 000 €" in page
    assert (
        "intitulé du dispositif / offre de services : solvabilisation des familles → Solvabilisation des familles"
        in page
    )
    assert "Suppression</strong> estimation financière" in page


def test_the_annexe_can_be_printed_as_it_stood_on_a_date(connecter, ligne, conventions):
    client = connecter("agent.caf")
    estimation = ligne.estimations.get()
    client.post(f"/estimations/{estimation.pk}/modifier/", donnees_estimation(estimation, montant_annuel="12 000 000"))
    asre = Dispositif.objects.get(intitule="ASRE (NAP)")
    client.post(f"/dispositifs/{asre.pk}/archiver/", {"version": 1})
    hier = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    aujourdhui = timezone.localdate().isoformat()
    url = "/contrats/grand-dijon/annexe-financiere/"
    avant = client.get(url, {"au": hier}).content.decode()
    assert "43 130 000 €" in avant and "ASRE (NAP)" in avant and "Telle qu&#x27;au" in avant
    maintenant = client.get(url, {"au": aujourdhui}).content.decode()
    assert "43 030 000 €" in maintenant and "ASRE (NAP)" not in maintenant
    import re

    from pypdf import PdfReader

    pdf = client.get("/contrats/grand-dijon/annexe-financiere.pdf", {"au": hier})
    texte = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert re.search(r"TOTAL financements CAF\s+43 130 000 €", texte)
    assert client.get(url, {"au": "22/11/2026"}).status_code == 400


def test_the_reprint_at_a_date_has_that_date_s_title_notes_and_tree_labels(connecter, comptes, conventions):
    """Not only the lines: the title block, the footnotes and the labels of the tree as they stood."""
    import re

    from contrat.models import Objectif
    from engagements.models import AnnexeFinanciere
    from noyau import versions

    caf = Partenaire.objects.get(slug="caf-21")
    annexe = AnnexeFinanciere.objects.get(contrat=conventions, partenaire=caf, annee=2015)
    ancien_intitule, anciennes_notes = annexe.intitule, annexe.liste_notes
    annexe.intitule = "Intitulé changé après la signature"
    annexe.notes = "*Note réécrite après la signature"
    versions.modifier(comptes["chef.projet"], annexe, annexe.version)
    objectif = Objectif.objects.filter(dispositifs__contrat=conventions, dispositifs__partenaire=caf).first()
    ancien_libelle = objectif.intitule
    objectif.intitule = "Objectif renommé après la signature"
    versions.modifier(comptes["admin"], objectif, objectif.version)

    client = connecter("lecteur")
    url = "/contrats/grand-dijon/annexe-financiere/"
    hier = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()

    def texte(reponse):
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", reponse.content.decode())))

    avant = texte(client.get(url, {"au": hier, "annee": 2015, "partenaire": "caf-21"}))
    assert ancien_intitule in avant and "Intitulé changé" not in avant
    assert all(re.sub(r"\s+", " ", n) in avant for n in anciennes_notes) and "Note réécrite" not in avant
    assert ancien_libelle in avant and "Objectif renommé" not in avant
    maintenant = texte(client.get(url, {"annee": 2015, "partenaire": "caf-21"}))
    assert "Intitulé changé après la signature" in maintenant and "Note réécrite après la signature" in maintenant
    assert "Objectif renommé après la signature" in maintenant
    # The PDF and the workbook render the same past annexe.
    from pypdf import PdfReader

    pdf = client.get("/contrats/grand-dijon/annexe-financiere.pdf", {"au": hier, "annee": 2015, "partenaire": "caf-21"})
    pages = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages))
    assert "Intitulé changé" not in pages and "Objectif renommé" not in pages and "Note réécrite" not in pages
