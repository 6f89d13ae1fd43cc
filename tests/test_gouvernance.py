"""Governance: the instances of the sources, rhythms as data, what is due, late, past due; the .ics feed."""

import re
from datetime import date, time

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from contrat.models import Contrat, Partenaire
from gouvernance.models import Decision, Instance, Seance
from gouvernance.rythmes import Creneau, creneaux, en_mots, manque, prochaines


def rythme(frequence=None, periode="", mois="", frequence_max=None, duree="", selon_besoins=False):
    return Instance(
        frequence=frequence,
        periode=periode,
        mois=mois,
        frequence_max=frequence_max,
        duree=duree,
        selon_besoins=selon_besoins,
    )


# -- rhythms -------------------------------------------------------------------------


def test_once_a_year_in_october():
    instance = rythme(1, "annee", "10")
    assert en_mots(instance) == "1 fois / an en octobre"
    assert creneaux(instance, 2019, 2020) == [
        Creneau(date(2019, 10, 1), date(2019, 10, 31)),
        Creneau(date(2020, 10, 1), date(2020, 10, 31)),
    ]


def test_four_times_a_year_is_four_meetings_in_the_calendar_year_whenever_held():
    instance = rythme(4, "annee")
    assert en_mots(instance) == "4 fois / an"
    assert creneaux(instance, 2020, 2020) == [Creneau(date(2020, 1, 1), date(2020, 12, 31), 4)]


def test_every_two_months_and_every_quarter_and_every_semester():
    assert en_mots(rythme(1, "deux_mois")) == "tous les 2 mois"
    assert len(creneaux(rythme(1, "deux_mois"), 2020, 2020)) == 6
    assert en_mots(rythme(1, "trimestre")) == "1 fois / trimestre"
    semestres = creneaux(rythme(1, "semestre"), 2021, 2021)
    assert [(c.debut.month, c.nombre) for c in creneaux(rythme(2, "trimestre"), 2021, 2021)] == [
        (1, 2),
        (4, 2),
        (7, 2),
        (10, 2),
    ]
    assert en_mots(rythme(1, "semestre")) == "1 fois / semestre"
    assert semestres == [Creneau(date(2021, 1, 1), date(2021, 6, 30)), Creneau(date(2021, 7, 1), date(2021, 12, 31))]


def test_every_two_years_counts_from_the_first_year():
    instance = rythme(1, "deux_ans")
    assert en_mots(instance) == "tous les 2 ans"
    assert creneaux(instance, 2019, 2022) == [
        Creneau(date(2019, 1, 1), date(2020, 12, 31)),
        Creneau(date(2021, 1, 1), date(2022, 12, 31)),
    ]
    assert prochaines(creneaux(instance, 2019, 2022), [date(2019, 5, 2)], date(2020, 3, 1)) == [
        Creneau(date(2021, 1, 1), date(2022, 12, 31))
    ]


def test_two_preferred_periods_a_year():
    instance = rythme(2, "annee", "3-4,11-12")
    assert en_mots(instance) == "2 fois / an en mars/avril et novembre/décembre"
    liste = creneaux(instance, 2024, 2025)
    assert liste[:2] == [Creneau(date(2024, 3, 1), date(2024, 4, 30)), Creneau(date(2024, 11, 1), date(2024, 12, 31))]
    # Held in March 2024: the next expected are November/December 2024, then March/April 2025.
    assert prochaines(liste, [date(2024, 3, 14)], date(2024, 5, 2)) == [
        Creneau(date(2024, 11, 1), date(2024, 12, 31)),
        Creneau(date(2025, 3, 1), date(2025, 4, 30)),
    ]


def test_words_for_ranges_durations_and_needs():
    assert en_mots(rythme(1, "annee", frequence_max=2)) == "1 à 2 fois / an"
    assert en_mots(rythme(1, "mois", duree="½ journée")) == "½ journée, 1 fois / mois"
    assert en_mots(rythme(selon_besoins=True)) == "selon les besoins"
    assert creneaux(rythme(selon_besoins=True), 2020, 2022) == []


@given(
    frequence=st.integers(1, 12),
    periode=st.sampled_from(["mois", "deux_mois", "trimestre", "semestre", "annee", "deux_ans"]),
    debut=st.integers(2015, 2030),
    duree=st.integers(0, 4),
)
def test_slots_tile_the_period_without_gap_or_overlap(frequence, periode, debut, duree):
    liste = creneaux(rythme(frequence, periode), debut, debut + duree)
    assert liste[0].debut == date(debut, 1, 1)
    for avant, apres in zip(liste, liste[1:]):
        assert avant.debut <= avant.fin and (apres.debut - avant.fin).days == 1
    assert liste[-1].fin >= date(debut + duree, 12, 31)


def test_a_meeting_outside_the_window_does_not_fulfil_it():
    liste = creneaux(rythme(1, "annee", "10"), 2021, 2022)
    assert manque(liste, [], date(2021, 11, 15)) == Creneau(date(2021, 10, 1), date(2021, 10, 31))
    assert manque(liste, [date(2021, 9, 28)], date(2021, 11, 15)) == Creneau(date(2021, 10, 1), date(2021, 10, 31))
    assert manque(liste, [date(2021, 10, 12)], date(2021, 11, 15)) is None
    assert manque(liste, [], date(2021, 9, 1)) is None  # nothing was due yet


# -- the sources -------------------------------------------------------------------------

ANNEXE_1 = {
    "Comité de pilotage des services de l'État": ("etat", "1 à 2 fois / an"),
    "Comité technique État": ("etat", "tous les 2 mois"),
    "Réunion des élus de la Politique de la ville": ("collectivites", "4 fois / an"),
    "Réunion des représentants des conseils citoyens": ("conseils_citoyens", "1 fois / an"),
    "Journée des conseils citoyens métropolitains": ("conseils_citoyens", "1 fois / an"),
    "Réunion des conseils citoyens communaux": ("conseils_citoyens", "4 fois / an"),
    "Comité de pilotage": ("copilotage", "1 fois / an en octobre"),
    "Comité technique": ("copilotage", "1 fois / an"),
    "MOUS restreinte": ("copilotage", "½ journée, 1 fois / mois"),
    "MOUS élargie": ("copilotage", "tous les 2 mois"),
    **{
        f"Groupe technique {nom}": ("copilotage", "1 fois / trimestre")
        for nom in [
            "Santé/CLS",
            "Éducation",
            "Rénovation urbaine",
            "Développement économique, emploi, insertion",
            "Culture",
            "GUSP",
            "Tranquillité publique médiation",
        ]
    },
}


def test_grand_dijon_holds_every_instance_of_annexe_1_with_its_rhythm(conventions):
    instances = {i.nom: i for i in Instance.objects.filter(contrat=conventions, document__slug="protocole-2019-2022")}
    for nom, (colonne, mots) in ANNEXE_1.items():
        assert instances[nom].colonne == colonne and instances[nom].rythme == mots, nom
    copil = instances["Comité de pilotage"]
    presidents = [m.fonction for m in copil.membres.filter(role="copreside")]
    assert presidents == [
        "le Préfet de la Côte-d'Or ou son représentant",
        "la vice-Présidente de Dijon métropole en charge du logement et de la Politique de la ville",
    ]
    assert instances["Groupe technique Éducation"].liste_missions() == [
        "Suivi droit commun",
        "Suivi des projets éducatifs, sportifs et culturels",
        "Suivi démarche parentalité",
    ]
    assert (
        instances["MOUS élargie"].parent.nom.startswith("Maîtrise d'ouvrage")
        and instances["MOUS élargie"].formation == "elargie"
    )
    convention = Instance.objects.get(contrat=conventions, document__slug="convention-caf-2016-2017")
    assert convention.nature == "comite_technique"


def test_the_ctg_holds_its_steering_committee_follow_up_committee_and_nine_seminars(conventions):
    ctg = Contrat.objects.get(slug="ctg-dijon")
    copil = Instance.objects.get(contrat=ctg, slug="comite-de-pilotage")
    assert copil.rythme == "½ journée, 1 à 2 fois / an"
    assert copil.membres.filter(role="copreside").count() == 3 and copil.membres.count() == 10
    assert Instance.objects.get(contrat=ctg, slug="comite-de-suivi").rythme == "1 fois / an"
    assert Instance.objects.filter(contrat=ctg, parent__slug="seminaire-coordination").count() == 9


def test_the_governance_page_shows_the_scheme_the_rhythms_and_the_missions(conventions, connecter):
    page = connecter("lecteur").get(reverse("gouvernance:page", args=["grand-dijon"])).content.decode()
    for nom, (_, mots) in ANNEXE_1.items():
        assert nom.replace("'", "&#x27;") in page and f"Réunion : {mots}" in page
    assert "Coordination interministérielle des politiques publiques" in page
    assert "Suivi NPNRU" in page


# -- follow-up ---------------------------------------------------------------------------


def test_the_page_says_which_instance_is_late_and_which_decision_is_past_due(conventions, connecter, monkeypatch):
    import gouvernance.views

    monkeypatch.setattr(gouvernance.views.timezone, "localdate", lambda: date(2021, 11, 15))
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    technique = Instance.objects.get(contrat=conventions, slug="comite-technique")
    seance = Seance.objects.create(instance=technique, date=date(2020, 6, 3), lieu="Dijon métropole")
    Decision.objects.create(
        seance=seance,
        texte="Transmettre le bilan de la programmation",
        echeance=date(2021, 9, 30),
        partenaire=Partenaire.objects.get(slug="caf-21"),
    )
    Decision.objects.create(seance=seance, texte="Décision déjà faite", echeance=date(2021, 9, 30), statut="faite")
    page = connecter("chef.projet").get(reverse("gouvernance:page", args=["grand-dijon"])).content.decode()
    assert f'id="retard-{copil.pk}"' in page  # once a year in October, none recorded in October 2021
    assert f'id="retard-{technique.pk}"' not in page  # once a year: met in 2020, the last year ended
    assert "Transmettre le bilan de la programmation" in page and "Décision déjà faite" not in page
    Seance.objects.create(instance=copil, date=date(2021, 10, 12))
    page = connecter("chef.projet").get(reverse("gouvernance:page", args=["grand-dijon"])).content.decode()
    assert f'id="retard-{copil.pk}"' not in page


def test_the_ics_feed_is_valid_and_holds_every_meeting(conventions, connecter):
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    Seance.objects.create(
        instance=copil,
        date=date(2021, 10, 12),
        heure=time(14, 30),
        lieu="Préfecture, salle Rameau",
        ordre_du_jour="Bilan 2021; programmation 2022\nQuestions diverses",
    )
    Seance.objects.create(instance=copil, date=date(2022, 10, 4))
    reponse = connecter("agent.caf").get(reverse("gouvernance:seances_ics", args=["grand-dijon"]))
    assert reponse["Content-Type"] == "text/calendar; charset=utf-8"
    brut = reponse.content
    assert all(len(ligne) <= 75 for ligne in brut.split(b"\r\n"))
    calendrier = Calendar.from_ical(brut)
    evenements = calendrier.walk("VEVENT")
    assert len(evenements) == 2
    premier = evenements[0]
    assert str(premier["SUMMARY"]) == "Comité de pilotage"
    assert str(premier["LOCATION"]) == "Préfecture, salle Rameau"
    assert premier.decoded("DTSTART").isoformat() == "2021-10-12T12:30:00+00:00"  # 14 h 30 in Paris
    assert "programmation 2022\nQuestions diverses" in str(premier["DESCRIPTION"])
    assert evenements[1].decoded("DTSTART") == date(2022, 10, 4)
    assert len({str(e["UID"]) for e in evenements}) == 2


# -- meetings, decisions, rights ---------------------------------------------------------

import io  # noqa: E402

from openpyxl import load_workbook  # noqa: E402
from pypdf import PdfReader  # noqa: E402


def _pages(reponse):
    import re

    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(reponse.content)).pages]


def _seance_postee(instance, **champs):
    donnees = {
        "instance": instance.pk,
        "date": "2021-10-12",
        "heure": "14:30",
        "lieu": "Préfecture",
        "ordre_du_jour": "Bilan 2021\nProgrammation 2022",
        "compte_rendu": "",
        "version": "",
        "presences-TOTAL_FORMS": 0,
        "presences-INITIAL_FORMS": 0,
        "decisions-TOTAL_FORMS": 1,
        "decisions-INITIAL_FORMS": 0,
        "decisions-0-texte": "Transmettre le bilan de la programmation",
        "decisions-0-partenaire": Partenaire.objects.get(slug="caf-21").pk,
        "decisions-0-echeance": "2021-12-15",
        "decisions-0-statut": "a_faire",
    }
    donnees.update(champs)
    return donnees


def test_the_chef_de_projet_records_a_meeting_its_invitations_and_decisions(conventions, connecter):
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    client = connecter("chef.projet")
    url = reverse("gouvernance:seance_creer", args=["grand-dijon"])
    refus = client.post(url, _seance_postee(copil, date="2021-13-45"))
    assert refus.status_code == 400 and "Saisissez une date, par exemple 12/10/2021" in refus.content.decode()
    assert client.post(url, _seance_postee(copil)).status_code == 302
    seance = Seance.objects.get(instance=copil)
    assert seance.heure == time(14, 30) and seance.points() == ["Bilan 2021", "Programmation 2022"]
    assert seance.presences.count() == copil.membres.count()  # every member invited
    assert set(seance.presences.values_list("etat", flat=True)) == {"invite"}
    decision = seance.decisions.get()
    assert decision.partenaire.slug == "caf-21" and decision.echeance == date(2021, 12, 15)
    for nom in ("gouvernance:convocation_pdf", "gouvernance:releve_pdf"):
        texte = " ".join(_pages(client.get(reverse(nom, args=[seance.pk]))))
        assert "Comité de pilotage" in texte and "Programmation 2022" in texte or "Transmettre le bilan" in texte
    releve = " ".join(_pages(client.get(reverse("gouvernance:releve_pdf", args=[seance.pk]))))
    assert "Transmettre le bilan de la programmation" in releve and "15/12/2021" in releve
    classeur = load_workbook(
        io.BytesIO(client.get(reverse("gouvernance:decisions_xlsx", args=["grand-dijon"])).content)
    )
    lignes = list(classeur.active.iter_rows(min_row=2, values_only=True))
    assert lignes[0][0] == "Comité de pilotage" and lignes[0][2] == "Transmettre le bilan de la programmation"
    assert lignes[0][4].date() == date(2021, 12, 15) and lignes[0][5] == "À faire"


def test_a_stale_meeting_save_is_refused(conventions, connecter):
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    seance = Seance.objects.create(instance=copil, date=date(2021, 10, 12))
    url = reverse("gouvernance:seance_modifier", args=[seance.pk])
    client = connecter("chef.projet")
    base = _seance_postee(copil, version=1, **{"decisions-TOTAL_FORMS": 0})
    assert client.post(url, {**base, "lieu": "Salle A"}).status_code == 302
    deuxieme = client.post(url, {**base, "lieu": "Salle B"})
    assert deuxieme.status_code == 409
    seance.refresh_from_db()
    assert seance.lieu == "Salle A" and seance.version == 2


def test_an_agent_updates_only_the_decisions_of_its_partner(conventions, connecter):
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    seance = Seance.objects.create(instance=copil, date=date(2021, 10, 12))
    caf = Decision.objects.create(seance=seance, texte="Pour la CAF", partenaire=Partenaire.objects.get(slug="caf-21"))
    etat = Decision.objects.create(seance=seance, texte="Pour l'État", partenaire=Partenaire.objects.get(slug="etat"))
    client = connecter("agent.caf")
    page = client.get(reverse("gouvernance:seance", args=[seance.pk])).content.decode()
    assert page.count('name="statut"') == 1
    assert (
        client.post(
            reverse("gouvernance:decision_statut", args=[caf.pk]), {"statut": "faite", "version": 1}
        ).status_code
        == 302
    )
    assert (
        client.post(
            reverse("gouvernance:decision_statut", args=[etat.pk]), {"statut": "faite", "version": 1}
        ).status_code
        == 403
    )
    assert (
        connecter("lecteur")
        .post(reverse("gouvernance:decision_statut", args=[caf.pk]), {"statut": "abandonnee", "version": 2})
        .status_code
        == 403
    )
    caf.refresh_from_db()
    etat.refresh_from_db()
    assert (caf.statut, caf.version, etat.statut) == ("faite", 2, "a_faire")
    # A stale status is refused, not applied.
    connecter("chef.projet").post(
        reverse("gouvernance:decision_statut", args=[caf.pk]), {"statut": "en_cours", "version": 1}
    )
    caf.refresh_from_db()
    assert caf.statut == "faite"


def test_only_the_chef_de_projet_manages_meetings(conventions, connecter):
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    for role in ("agent.caf", "lecteur"):
        reponse = connecter(role).post(reverse("gouvernance:seance_creer", args=["grand-dijon"]), _seance_postee(copil))
        assert reponse.status_code == 403
    assert not Seance.objects.exists()


def test_minutes_file_is_served_only_to_those_who_see_the_contract(conventions, connecter, comptes):
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    seance = Seance.objects.create(
        instance=copil, date=date(2021, 10, 12), fichier=ContentFile(b"compte rendu", name="cr.txt")
    )
    url = reverse("gouvernance:seance_fichier", args=[seance.pk])
    assert b"".join(connecter("lecteur").get(url).streaming_content) == b"compte rendu"
    ailleurs = get_user_model().objects.create_user("sans-organisation", password="x")
    client = connecter(None)
    client.force_login(ailleurs)
    assert client.get(url).status_code == 404
    refus = connecter("chef.projet").post(
        reverse("gouvernance:seance_modifier", args=[seance.pk]),
        {
            **_seance_postee(copil, version=1, **{"decisions-TOTAL_FORMS": 0}),
            "fichier": ContentFile(b"MZ", name="virus.exe"),
        },
    )
    assert "Déposez un PDF" in refus.content.decode()


def test_the_governance_pdf_is_landscape_headed_on_every_page_with_every_instance(conventions, connecter):
    reponse = connecter("lecteur").get(reverse("gouvernance:pdf", args=["grand-dijon"]))
    pdf = PdfReader(io.BytesIO(reponse.content))
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in pdf.pages)
    for page in _pages(reponse):  # its members printed, the scheme runs to two pages, each with the columns' header
        for colonne in ("ÉTAT", "COLLECTIVITÉS", "CONSEILS CITOYENS", "COPILOTAGE"):
            assert colonne in page
    texte = " ".join(_pages(reponse))
    for nom, (_, mots) in ANNEXE_1.items():
        assert nom.upper() in texte and mots in texte, nom
    assert "Coordination interministérielle des politiques publiques" in texte and "Suivi NPNRU" in texte


def test_the_chef_de_projet_sets_an_instance_rhythm_as_data(conventions, connecter):
    client = connecter("chef.projet")
    url = reverse("gouvernance:instance_creer", args=["grand-dijon"])
    donnees = {
        "nom": "Comité des financeurs",
        "nature": "comite_financeurs",
        "colonne": "copilotage",
        "missions": "Arrêter la programmation\nSuivre les crédits",
        "frequence": "2",
        "periode": "annee",
        "mois": "13",
        "membres-TOTAL_FORMS": 1,
        "membres-INITIAL_FORMS": 0,
        "membres-0-partenaire": Partenaire.objects.get(slug="caf-21").pk,
        "membres-0-fonction": "",
        "membres-0-preside": "",
    }
    refus = client.post(url, donnees)
    assert refus.status_code == 400 and "Écrivez les mois en chiffres" in refus.content.decode()
    donnees["mois"] = "3-4,11-12"
    assert client.post(url, donnees).status_code == 302
    comite = Instance.objects.get(contrat=conventions, nom="Comité des financeurs")
    assert comite.rythme == "2 fois / an en mars/avril et novembre/décembre"
    assert comite.liste_missions() == ["Arrêter la programmation", "Suivre les crédits"]
    assert [m.partenaire.slug for m in comite.membres.all()] == ["caf-21"]
    page = client.get(reverse("gouvernance:page", args=["grand-dijon"])).content.decode()
    assert "Comité des financeurs" in page
    assert connecter("agent.caf").post(url, donnees).status_code == 403


def test_the_governance_page_reads_in_a_bounded_number_of_queries(
    conventions, connecter, django_assert_max_num_queries
):
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    for annee in range(2019, 2023):
        seance = Seance.objects.create(instance=copil, date=date(annee, 10, 5))
        Decision.objects.create(seance=seance, texte=f"Décision {annee}", echeance=date(annee, 12, 1))
    client = connecter("chef.projet")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("gouvernance:page", args=["grand-dijon"])).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("gouvernance:pdf", args=["grand-dijon"])).status_code == 200


# -- one write path: versions, history, files -------------------------------------------


def _decision_postee(seance, decision, **champs):
    """The séance form as the chef de projet's page had it, with its one decision as read then."""
    donnees = _seance_postee(
        seance.instance,
        version=seance.version,
        **{
            "decisions-TOTAL_FORMS": 1,
            "decisions-INITIAL_FORMS": 1,
            "decisions-0-id": decision.pk,
            "decisions-0-seance": seance.pk,
            "decisions-0-texte": decision.texte,
            "decisions-0-partenaire": decision.partenaire_id,
            "decisions-0-echeance": "",
            "decisions-0-statut": decision.statut,
            "decisions-0-version": decision.version,
        },
    )
    donnees.update({"date": seance.date.isoformat(), "heure": "", "lieu": seance.lieu, "ordre_du_jour": ""})
    donnees.update(champs)
    return donnees


def test_a_stale_meeting_form_does_not_reset_a_decision_its_partner_marked_done(conventions, connecter):
    from noyau.models import Historique

    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    seance = Seance.objects.create(instance=copil, date=date(2021, 10, 12), lieu="Préfecture")
    decision = Decision.objects.create(
        seance=seance, texte="Transmettre le bilan", partenaire=Partenaire.objects.get(slug="caf-21")
    )
    url = reverse("gouvernance:seance_modifier", args=[seance.pk])
    ouvert = _decision_postee(seance, decision)  # the chef opens the form: decision "à faire", version 1
    assert (
        connecter("agent.caf")
        .post(reverse("gouvernance:decision_statut", args=[decision.pk]), {"statut": "faite", "version": 1})
        .status_code
        == 302
    )

    chef = connecter("chef.projet")
    # Saving the meeting without touching the decision leaves it as its partner set it.
    assert chef.post(url, {**ouvert, "lieu": "Salle A"}).status_code == 302
    decision.refresh_from_db()
    assert (decision.statut, decision.version) == ("faite", 2)
    # Changing it from the stale page is refused, with both sides shown, and the typing kept.
    seance.refresh_from_db()
    perime = {**ouvert, "version": seance.version, "decisions-0-texte": "Transmettre le bilan avant décembre"}
    reponse = chef.post(url, perime)
    assert reponse.status_code == 409
    page = re.sub(r"<[^>]+>", "", reponse.content.decode())
    assert "a enregistré une modification pendant que vous travailliez" in page
    assert "statut : À faire → Faite" in page and "Transmettre le bilan avant décembre" in page
    decision.refresh_from_db()
    assert (decision.statut, decision.texte) == ("faite", "Transmettre le bilan")
    # The status change is in the history, with who made it.
    entree = Historique.objects.de(decision).get()
    assert entree.user_nom == "agent.caf" or entree.user.username == "agent.caf"
    assert (entree.avant["statut"], entree.apres["statut"]) == ("a_faire", "faite")


def test_a_stale_instance_form_is_refused(conventions, connecter):
    from noyau.models import Historique

    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    url = reverse("gouvernance:instance_modifier", args=[copil.pk])
    membres = list(copil.membres.all())
    donnees = {
        "nom": copil.nom,
        "nature": copil.nature,
        "colonne": copil.colonne,
        "missions": copil.missions,
        "composition": copil.composition,
        "frequence": copil.frequence or "",
        "periode": copil.periode,
        "mois": copil.mois,
        "rythme_source": copil.rythme_source,
        "version": copil.version,
        "membres-TOTAL_FORMS": len(membres),
        "membres-INITIAL_FORMS": len(membres),
    }
    for i, m in enumerate(membres):
        donnees.update(
            {
                f"membres-{i}-id": m.pk,
                f"membres-{i}-instance": copil.pk,
                f"membres-{i}-partenaire": m.partenaire_id or "",
                f"membres-{i}-fonction": m.fonction,
                f"membres-{i}-preside": "on" if m.preside else "",
            }
        )
    chef = connecter("chef.projet")
    assert chef.post(url, {**donnees, "missions": "Première version"}).status_code == 302
    deuxieme = chef.post(url, {**donnees, "missions": "Seconde version, périmée"})
    assert deuxieme.status_code == 409
    assert "Seconde version, périmée" in deuxieme.content.decode()
    copil.refresh_from_db()
    assert (copil.missions, copil.version) == ("Première version", 2)
    assert Historique.objects.de(copil).get().apres["missions"] == "Première version"


def test_a_replaced_minutes_file_leaves_the_disk(
    conventions, connecter, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from noyau.models import Historique

    settings.MEDIA_ROOT = str(tmp_path)
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    seance = Seance.objects.create(
        instance=copil, date=date(2021, 10, 12), fichier=ContentFile(b"premier", name="cr.txt")
    )
    ancien = seance.fichier.name
    assert default_storage.exists(ancien)
    chef = connecter("chef.projet")
    donnees = _seance_postee(copil, version=1, **{"decisions-TOTAL_FORMS": 0})
    with django_capture_on_commit_callbacks(execute=True):
        reponse = chef.post(
            reverse("gouvernance:seance_modifier", args=[seance.pk]),
            {**donnees, "fichier": ContentFile(b"second compte rendu", name="cr2.txt")},
        )
    assert reponse.status_code == 302
    seance.refresh_from_db()
    assert seance.fichier.name != ancien and default_storage.exists(seance.fichier.name)
    assert not default_storage.exists(ancien)
    entree = Historique.objects.de(seance).get()
    assert (entree.avant["fichier"], entree.apres["fichier"]) == (ancien, seance.fichier.name)


def test_a_rhythm_taken_as_written_does_not_say_reunion_twice(connecter, conventions):
    import io

    from pypdf import PdfReader

    client = connecter("lecteur")
    page = client.get("/contrats/grand-dijon/gouvernance/").content.decode()
    assert "Réunion : 1 fois / trimestre pour chaque groupe" in page and "Réunion : Réunion" not in page
    pdf = client.get("/contrats/grand-dijon/gouvernance.pdf").content
    texte = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Réunion : Réunion" not in texte and "1 fois / trimestre pour chaque groupe" in texte
