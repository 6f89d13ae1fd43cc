import io
import re

import pytest
from pypdf import PdfReader

from engagements.models import Contribution, Dispositif

from .test_formulaires import donnees_estimation

CONTRIBUTION = "/contrats/grand-dijon/contributions/caf-21/2015/"


def texte_pdf(client):
    response = client.get("/contrats/grand-dijon/annexe-financiere.pdf")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def estimation(conventions):
    return Dispositif.objects.get(code="caf-2015-06").estimations.get()


def statut():
    return Contribution.objects.get(contrat__slug="grand-dijon", partenaire__slug="caf-21", annee=2015).statut


def test_submit_validate_and_lock(connecter, estimation):
    agent = connecter("agent.caf")
    assert "Version de travail" in texte_pdf(agent)
    assert agent.post(CONTRIBUTION + "soumettre/").status_code == 302
    assert statut() == "soumis"
    # Submitted lines wait for the chef de projet: the agent no longer changes them.
    assert agent.get(f"/estimations/{estimation.pk}/modifier/").status_code == 403
    assert agent.post(CONTRIBUTION + "valider/").status_code == 403
    chef = connecter("chef.projet")
    assert chef.post(CONTRIBUTION + "soumettre/").status_code == 403
    assert chef.post(CONTRIBUTION + "valider/").status_code == 302
    assert statut() == "valide"
    assert "Version de travail" not in texte_pdf(chef)
    agent = connecter("agent.caf")
    assert (
        agent.post(
            f"/estimations/{estimation.pk}/modifier/", donnees_estimation(estimation, montant_annuel="1")
        ).status_code
        == 403
    )
    estimation.refresh_from_db()
    assert estimation.montant_annuel == 12100000


def test_sent_back_with_a_comment_then_editable_again(connecter, estimation):
    connecter("agent.caf").post(CONTRIBUTION + "soumettre/")
    chef = connecter("chef.projet")
    sans_commentaire = chef.post(CONTRIBUTION + "renvoyer/", {"commentaire": "  "}, follow=True)
    assert "Expliquez au partenaire ce qu&#x27;il doit corriger" in sans_commentaire.content.decode()
    assert statut() == "soumis"
    chef.post(CONTRIBUTION + "renvoyer/", {"commentaire": "Le montant des minimas sociaux est à revoir."})
    assert statut() == "renvoye"
    agent = connecter("agent.caf")
    page = agent.get(CONTRIBUTION).content.decode()
    assert "Le montant des minimas sociaux est à revoir." in page
    assert agent.get(f"/estimations/{estimation.pk}/modifier/").status_code == 200


def test_impossible_transitions_are_explained(connecter, estimation):
    chef = connecter("chef.projet")
    page = chef.post(CONTRIBUTION + "valider/", follow=True).content.decode()
    assert "La contribution est « Brouillon » : impossible de la valider." in page
    assert not Contribution.objects.filter(statut="valide").exists()


def test_the_dashboard_follows_each_partner(connecter, estimation):
    agent = connecter("agent.caf")
    agent.post(f"/estimations/{estimation.pk}/modifier/", donnees_estimation(estimation, montant_annuel="12 000 000"))
    agent.post(CONTRIBUTION + "soumettre/")
    html = connecter("chef.projet").get("/contrats/grand-dijon/tableau-de-bord/").content.decode()
    ligne = re.search(
        r"Caisse d&#x27;Allocations Familiales de la Côte-d&#x27;Or</a></td>(.*?)</tr>", html, re.S
    ).group(1)
    cellules = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", ligne, re.S)]
    assert cellules[:4] == ["Soumise", "37 (dont 2 sans montant)", "43 030 000 €", "129 530 000 €"]
    assert cellules[4] not in ("", "—")  # the date of the last change
    assert html.count("<svg") == 2 and 'role="img"' in html
    assert '<title id="piliers-titre">Montants annuels par pilier</title>' in html
    assert "Pilier Cohésion sociale : 30 623 650 €" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
