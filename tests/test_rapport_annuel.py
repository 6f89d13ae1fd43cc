"""The yearly report on the politique de la ville: one PDF holding every section, and the opinion
of each conseil citoyen — « réputé favorable » a month after sending when none was recorded."""

import html
import io
import re
from datetime import date, timedelta

from pypdf import PdfReader

from fiches.models import Engagement
from gouvernance.models import Avis, Decision, Instance, Seance, un_mois_apres
from tenues.models import Tenue

PAGE = "/contrats/grand-dijon/rapport-annuel/2019/"
PDF = "/contrats/grand-dijon/rapport-annuel/2019.pdf"


def _texte(reponse):
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(reponse.content)).pages))


def test_a_month_after_sending_is_the_same_day_next_month():
    assert un_mois_apres(date(2020, 1, 15)) == date(2020, 2, 15)
    assert un_mois_apres(date(2020, 1, 31)) == date(2020, 2, 29)
    assert un_mois_apres(date(2019, 12, 10)) == date(2020, 1, 10)
    avis = Avis(envoye_le=date(2020, 3, 2))
    assert avis.etat(date(2020, 3, 2) + timedelta(days=30)) == "attendu"
    assert avis.etat(date(2020, 3, 2) + timedelta(days=31)) == "repute_favorable"
    avis.texte = "Favorable, avec une réserve sur la tranquillité publique."
    assert avis.etat(date(2020, 6, 1)) == "rendu"


def test_the_report_of_grand_dijon_2019_holds_every_section(connecter, comptes, conventions):
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    seance = Seance.objects.create(instance=copil, date=date(2019, 6, 20), lieu="Hôtel de métropole")
    Decision.objects.create(seance=seance, texte="Présenter le bilan des engagements au prochain comité")
    chef = connecter("chef.projet")
    envoi = date.today() - timedelta(days=31)
    reponse = chef.post(PAGE, {"conseil": "Conseil citoyen des Grésilles", "envoye_le": envoi.isoformat()})
    assert reponse.status_code == 302
    reponse = chef.post(
        PAGE,
        {
            "conseil": "Conseil citoyen de Fontaine d'Ouche",
            "envoye_le": envoi.isoformat(),
            "recu_le": (envoi + timedelta(days=12)).isoformat(),
            "texte": "Avis favorable ; le conseil demande un point sur la médiation.",
        },
    )
    assert reponse.status_code == 302

    # A fiche's commitment said « partiellement tenu » in 2019 against its measure.
    engagement = Engagement.objects.filter(fiche__contrat=conventions, partenaire__isnull=False).first()
    engagement.indicateur, engagement.cible = "Nombre de permanences tenues", "12 par an"
    engagement.save()
    Tenue.objects.create(
        contrat=conventions,
        partenaire=engagement.partenaire,
        engagement_fiche=engagement,
        annee=2019,
        statut="partiellement",
        valeur="9 permanences",
        commentaire="Trois reportées en 2020",
    )

    texte = _texte(connecter("lecteur").get(PDF))
    assert "Engagements non financiers : tenus ou non en 2019" in texte
    assert "Nombre de permanences tenues ; cible : 12 par an ; atteint : 9 permanences" in texte
    assert "Partiellement tenu — Trois reportées en 2020" in texte
    for section in (
        "1. Engagements de droit commun",
        "2. Fiches et leur avancement",
        "3. Indicateurs mesurés en 2019",
        "4. Instances : séances tenues et décisions",
        "5. Avis des conseils citoyens",
    ):
        assert section in texte
    assert "Rapport annuel 2019 sur la politique de la ville" in texte
    # Grand Dijon's lines are those of the CAF's 2015 annexe: 2019 has none, and says so.
    assert "Aucune ligne d'engagement n'est enregistrée pour 2019." in texte
    # Not the validated year: a working version, and the CAF, expected for its lines of other years, is said
    # « non transmis » rather than left out.
    assert "Version de travail — les contributions 2019 ne sont pas encore toutes validées." in texte
    assert "Non transmis pour 2019 : Caisse d'Allocations Familiales de la Côte-d'Or" in texte
    assert "FICHE 1" in texte and "FICHE 10" in texte and "non renseigné" in texte  # the protocol's fiches actions
    assert "20/06/2019" in texte and "Présenter le bilan des engagements au prochain comité" in texte
    # Sent 31 days ago without an opinion: réputé favorable; the other one's opinion, as given.
    assert "Conseil citoyen des Grésilles" in texte and "Réputé favorable" in texte
    assert "Avis favorable ; le conseil demande un point sur la médiation." in texte
    page = html.unescape(connecter("chef.projet").get(PAGE).content.decode())
    assert "Réputé favorable : aucun avis reçu dans le mois suivant l'envoi" in page


def test_an_opinion_not_yet_due_is_awaited_then_recorded(connecter, conventions):
    chef = connecter("chef.projet")
    envoi = date.today() - timedelta(days=3)
    chef.post(PAGE, {"conseil": "Conseil citoyen du Mail", "envoye_le": envoi.isoformat()})
    avis = Avis.objects.get(conseil="Conseil citoyen du Mail")
    page = html.unescape(chef.get(PAGE).content.decode())
    assert f"Avis attendu jusqu'au {un_mois_apres(envoi):%d/%m/%Y}" in page
    avant = chef.post(
        f"{PAGE}avis/{avis.pk}/",
        {
            "conseil": avis.conseil,
            "envoye_le": envoi.isoformat(),
            "recu_le": (envoi - timedelta(days=1)).isoformat(),
            "version": 1,
        },
    )
    assert "L&#x27;avis ne peut pas être reçu avant l&#x27;envoi du rapport." in avant.content.decode()
    assert (
        chef.post(
            f"{PAGE}avis/{avis.pk}/",
            {
                "conseil": avis.conseil,
                "envoye_le": envoi.isoformat(),
                "recu_le": date.today().isoformat(),
                "texte": "Réservé.",
                "version": 1,
            },
        ).status_code
        == 302
    )
    avis.refresh_from_db()
    assert (avis.texte, avis.version) == ("Réservé.", 2)
    assert "Avis rendu le" in html.unescape(chef.get(PAGE).content.decode())
    # Only the chef de projet records them; a year outside the contract has no report.
    assert connecter("lecteur").get(PAGE).status_code == 403
    assert connecter("chef.projet").get("/contrats/grand-dijon/rapport-annuel/2030.pdf").status_code == 404


def test_the_report_of_a_year_with_a_bilan_shows_planned_done_and_the_rate(connecter, comptes, conventions):
    from engagements.models import Estimation, Realisation
    from noyau import versions

    ligne = Estimation.objects.filter(dispositif__contrat=conventions, annee=2015, montant_annuel__isnull=False).first()
    versions.creer(comptes["agent.caf"], Realisation(estimation=ligne, montant_realise=ligne.montant_annuel))
    texte = _texte(connecter("lecteur").get("/contrats/grand-dijon/rapport-annuel/2015.pdf"))
    assert "Prévu, réalisé et taux de réalisation 2015 par partenaire" in texte
    assert "Prévu et réalisé 2015 par pilier" in texte and "43 130 000 €" in texte and "100 %" in texte
