"""The yearly collection as a campaign: opening, the dashboard, the grid, submission, mails,
reminders, the annexe across partners and years, the synthèse, the home pages."""

import html
import io
import re
import socket
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from contrat.models import Contrat, Objectif, Partenaire
from engagements import collectes, services
from engagements.models import Collecte, Contribution, Dispositif, Estimation, Relance
from noyau import versions
from noyau.models import Courriel, Historique

CONTRIBUTION = "/contrats/grand-dijon/contributions/{}/{}/"


@pytest.fixture
def caf(conventions):
    return Partenaire.objects.get(slug="caf-21")


@pytest.fixture
def pole_emploi(conventions):
    return Partenaire.objects.get(slug="pole-emploi")


@pytest.fixture
def collecte_2016(comptes, conventions, caf, pole_emploi):
    """The 2016 campaign of grand-dijon, expecting the CAF and Pôle emploi, due in ten days."""
    return versions.creer(
        comptes["chef.projet"],
        Collecte(contrat=conventions, annee=2016, echeance=timezone.localdate() + timedelta(days=10)),
        {"partenaires": [caf, pole_emploi]},
    )


def grille(client, partenaire, annee):
    """The grid page and its POST data as the browser would send it unchanged."""
    reponse = client.get(CONTRIBUTION.format(partenaire, annee))
    assert reponse.status_code == 200
    formset = reponse.context["formset"]
    donnees = {f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()}
    for form in formset.forms:
        for nom, champ in form.fields.items():
            valeur = form.initial.get(nom, champ.initial)
            if valeur is None or valeur is False:
                continue
            donnees[form.add_prefix(nom)] = str(valeur)
    return reponse, formset, donnees


def ligne_de(formset, estimation):
    return next(i for i, f in enumerate(formset.forms) if f.initial.get("pk") == estimation.pk)


# -- the campaign and its dashboard -------------------------------------------------------------


def test_the_chef_opens_a_campaign_with_the_proposed_partners(connecter, conventions, caf, pole_emploi):
    client = connecter("chef.projet")
    page = client.get("/contrats/grand-dijon/collectes/ouvrir/?annee=2016")
    assert page.status_code == 200
    proposes = set(page.context["form"].initial["partenaires"])
    assert {caf, pole_emploi} <= proposes
    echeance = timezone.localdate() + timedelta(days=30)
    reponse = client.post(
        "/contrats/grand-dijon/collectes/ouvrir/?annee=2016",
        {"annee": 2016, "echeance": echeance.isoformat(), "partenaires": [caf.pk, pole_emploi.pk]},
    )
    assert reponse.status_code == 302
    collecte = Collecte.objects.get(contrat=conventions, annee=2016)
    assert set(collecte.partenaires.all()) == {caf, pole_emploi} and collecte.echeance == echeance
    assert Historique.objects.filter(objet="collecte", objet_id=collecte.pk, action="creation").exists()
    # A second campaign for the same year is refused in French.
    double = client.post(
        "/contrats/grand-dijon/collectes/ouvrir/",
        {"annee": 2016, "echeance": echeance.isoformat(), "partenaires": [caf.pk]},
    )
    assert double.status_code == 400 and "La collecte 2016 est déjà ouverte" in double.content.decode()


def test_the_dashboard_shows_every_expected_partner_even_before_it_starts(connecter, collecte_2016):
    client = connecter("chef.projet")
    page = client.get("/contrats/grand-dijon/tableau-de-bord/?annee=2016")
    texte = page.content.decode()
    assert [(p.partenaire.slug, p.etat) for p in page.context["positions"]] == [
        ("caf-21", collectes.Etat.NON_COMMENCEE),
        ("pole-emploi", collectes.Etat.NON_COMMENCEE),
    ]
    assert "0 / 2 validées" in re.sub(r"\s+", " ", texte)
    assert 'max="2" value="0"' in texte
    assert "Relancer les 2 partenaires qui n'ont pas soumis" in texte
    # Filter by status.
    filtre = client.get("/contrats/grand-dijon/tableau-de-bord/?annee=2016&etat=valide")
    assert filtre.context["positions"] == []


def test_an_empty_submission_needs_nothing_to_declare_and_then_appears(connecter, collecte_2016):
    client = connecter("agent.pole-emploi")
    refus = client.post(CONTRIBUTION.format("pole-emploi", 2016) + "soumettre/", follow=True)
    assert "Votre contribution n&#x27;a aucune ligne" in refus.content.decode()
    assert not Contribution.objects.filter(partenaire__slug="pole-emploi", annee=2016, statut="soumis").exists()
    page = client.get(CONTRIBUTION.format("pole-emploi", 2016))
    assert 'name="rien_a_declarer"' in page.content.decode()
    client.post(CONTRIBUTION.format("pole-emploi", 2016) + "soumettre/", {"rien_a_declarer": "on"})
    contribution = Contribution.objects.get(partenaire__slug="pole-emploi", annee=2016)
    assert contribution.statut == "soumis" and contribution.rien_a_declarer
    tableau = connecter("chef.projet").get("/contrats/grand-dijon/tableau-de-bord/?annee=2016")
    position = next(p for p in tableau.context["positions"] if p.partenaire.slug == "pole-emploi")
    assert position.etat == collectes.Etat.SOUMISE and "rien à déclarer" in tableau.content.decode()


# -- the grid -------------------------------------------------------------------------------------


def test_the_grid_saves_changed_rows_with_one_history_entry_each(connecter, caf):
    client = connecter("agent.caf")
    _, formset, donnees = grille(client, "caf-21", 2015)
    lignes = list(Estimation.objects.filter(partenaire=caf, annee=2015).order_by("dispositif__ordre", "dispositif__pk"))
    a, b = lignes[0], lignes[1]
    donnees[f"lignes-{ligne_de(formset, a)}-montant_annuel"] = "1 234 €"
    donnees[f"lignes-{ligne_de(formset, b)}-remarque_annuelle"] = "Chiffre provisoire"
    avant = Historique.objects.count()
    reponse = client.post(CONTRIBUTION.format("caf-21", 2015), donnees)
    assert reponse.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.montant_annuel == Decimal("1234") and a.version == 2
    assert b.remarque_annuelle == "Chiffre provisoire"
    entrees = Historique.objects.order_by("pk")[avant:]
    assert sorted(e.objet_id for e in entrees) == sorted([a.pk, b.pk])
    assert all(e.objet == "estimation" and e.action == "modification" for e in entrees)
    # The other rows were left untouched.
    assert Estimation.objects.filter(partenaire=caf, annee=2015, version__gt=1).count() == 2


def test_a_bad_amount_is_an_error_on_its_row_and_nothing_is_saved(connecter, caf):
    client = connecter("agent.caf")
    _, formset, donnees = grille(client, "caf-21", 2015)
    lignes = list(Estimation.objects.filter(partenaire=caf, annee=2015).order_by("dispositif__ordre", "dispositif__pk"))
    donnees[f"lignes-{ligne_de(formset, lignes[0])}-montant_annuel"] = "999"
    i = ligne_de(formset, lignes[1])
    donnees[f"lignes-{i}-montant_annuel"] = "douze euros"
    reponse = client.post(CONTRIBUTION.format("caf-21", 2015), donnees)
    assert reponse.status_code == 400
    texte = reponse.content.decode()
    erreur = re.search(rf'<p id="id_lignes-{i}-montant_annuel-erreurs" class="fr-error-text">([^<]+)</p>', texte)
    assert erreur and "montant" in erreur.group(1).lower()
    assert f'aria-describedby="id_lignes-{i}-montant_annuel-erreurs"' in texte
    assert "rien n'a été enregistré" in texte
    assert not Estimation.objects.filter(partenaire=caf, annee=2015, version__gt=1).exists()


def test_a_stale_row_is_refused_with_the_colleague_s_values_and_the_others_are_saved(connecter, comptes, caf):
    client = connecter("agent.caf")
    _, formset, donnees = grille(client, "caf-21", 2015)
    lignes = list(Estimation.objects.filter(partenaire=caf, annee=2015).order_by("dispositif__ordre", "dispositif__pk"))
    a, b, c = lignes[0], lignes[1], lignes[2]
    # A colleague saves row A (and row C) while this page is open.
    for ligne, montant in ((a, "111"), (c, "333")):
        ligne.montant_annuel = Decimal(montant)
        versions.modifier(comptes["admin"], ligne, ligne.version)
    donnees[f"lignes-{ligne_de(formset, a)}-montant_annuel"] = "5 000"
    donnees[f"lignes-{ligne_de(formset, b)}-montant_annuel"] = "7 000"
    reponse = client.post(CONTRIBUTION.format("caf-21", 2015), donnees)  # row C left as the page showed it
    assert reponse.status_code == 409
    texte = reponse.content.decode()
    a.refresh_from_db()
    b.refresh_from_db()
    c.refresh_from_db()
    assert a.montant_annuel == Decimal("111") and b.montant_annuel == Decimal("7000")
    assert c.montant_annuel == Decimal("333")  # untouched by this user: the colleague's value stands, no conflict
    assert [r.estimation.pk for r in reponse.context["refus"]] == [a.pk]
    assert "Les autres lignes de la grille sont enregistrées" in texte
    assert "montant annuel 5 000 €" in texte  # what the user typed, so that it is not lost
    # The row shows the colleague's value, at its new version.
    nouvelle = reponse.context["formset"]
    rang = ligne_de(nouvelle, a)
    assert nouvelle.forms[rang].initial["montant_annuel"] == Decimal("111")
    assert nouvelle.forms[rang].initial["version"] == a.version


def _lignes_pole_emploi(contrat, partenaire, nombre):
    dispositifs = Dispositif.objects.bulk_create(
        [
            Dispositif(
                contrat=contrat, partenaire=partenaire, code=f"pe-{i}", intitule=f"Dispositif {i}", ordre=1000 + i
            )
            for i in range(nombre)
        ]
    )
    return Estimation.objects.bulk_create(
        [
            Estimation(
                dispositif=d, contrat_id=d.contrat_id, partenaire=partenaire, annee=2016, montant_annuel=Decimal(i)
            )
            for i, d in enumerate(dispositifs)
        ]
    )


def _requetes_pour(client, nombre):
    _, formset, donnees = grille(client, "pole-emploi", 2016)
    for i, form in enumerate(formset.forms):
        if form.initial.get("pk"):
            donnees[f"lignes-{i}-montant_annuel"] = str(1000 + i)
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.post(CONTRIBUTION.format("pole-emploi", 2016), donnees)
    assert reponse.status_code == 302
    assert Historique.objects.filter(objet="estimation", action="modification").count() >= nombre
    return len(requetes)


def test_saving_100_rows_takes_as_many_queries_as_saving_10(connecter, conventions, pole_emploi):
    client = connecter("agent.pole-emploi")
    _lignes_pole_emploi(conventions, pole_emploi, 10)
    dix = _requetes_pour(client, 10)
    Estimation.objects.filter(partenaire=pole_emploi, annee=2016).delete()
    Dispositif.objects.filter(partenaire=pole_emploi).delete()
    Historique.objects.all().delete()
    _lignes_pole_emploi(conventions, pole_emploi, 100)
    cent = _requetes_pour(client, 100)
    assert cent == dix, (dix, cent)
    assert sorted(
        Estimation.objects.filter(partenaire=pole_emploi, annee=2016).values_list("montant_annuel", flat=True)
    )[:2] == [Decimal("1000"), Decimal("1001")]


def test_new_lines_from_the_grid_new_and_existing_dispositif(connecter, conventions, caf):
    client = connecter("agent.caf")
    objectif = Objectif.objects.filter(orientation__pilier__contrat=conventions).first()
    existant = Dispositif.objects.filter(contrat=conventions, partenaire=caf).first()
    _, formset, donnees = grille(client, "caf-21", 2016)
    assert all(not f.initial.get("pk") for f in formset.forms)  # no 2016 line yet: only blank rows
    donnees.update(
        {
            "lignes-0-dispositif": "nouveau",
            "lignes-0-intitule": "Ludothèque itinérante",
            "lignes-0-objectifs": str(objectif.pk),
            "lignes-0-montant_annuel": "12 000",
            "lignes-0-periode_debut": "2016",
            "lignes-0-periode_fin": "2017",
            "lignes-1-dispositif": str(existant.pk),
            "lignes-1-montant_annuel": "",
        }
    )
    donnees["lignes-1-remarque_annuelle"] = "Montant à venir"
    reponse = client.post(CONTRIBUTION.format("caf-21", 2016), donnees)
    assert reponse.status_code == 302, reponse.context and reponse.context["formset"].errors
    nouveau = Dispositif.objects.get(intitule="Ludothèque itinérante")
    assert list(nouveau.objectifs.all()) == [objectif] and nouveau.partenaire == caf
    lignes = Estimation.objects.filter(partenaire=caf, annee=2016)
    assert {(e.dispositif_id, e.montant_annuel) for e in lignes} == {
        (nouveau.pk, Decimal("12000")),
        (existant.pk, None),
    }
    assert (
        Historique.objects.filter(objet="estimation", action="creation", objet_id__in=[e.pk for e in lignes]).count()
        == 2
    )
    # A new row without its dispositif is an error on that row.
    _, formset, donnees = grille(client, "caf-21", 2016)
    vide = next(i for i, f in enumerate(formset.forms) if not f.initial.get("pk"))
    donnees[f"lignes-{vide}-montant_annuel"] = "5"
    erreur = client.post(CONTRIBUTION.format("caf-21", 2016), donnees)
    assert erreur.status_code == 400 and "Choisissez le dispositif de cette ligne" in erreur.content.decode()


def test_last_year_s_lines_are_taken_up_with_blank_amounts(connecter, caf):
    client = connecter("agent.caf")
    page = client.get(CONTRIBUTION.format("caf-21", 2016))
    assert "Reprendre les lignes de l'année précédente" in page.content.decode()
    client.post(CONTRIBUTION.format("caf-21", 2016) + "reprendre/")
    anciennes = Estimation.objects.filter(partenaire=caf, annee=2015, dispositif__archive=False)
    nouvelles = Estimation.objects.filter(partenaire=caf, annee=2016)
    assert nouvelles.count() == anciennes.count() > 0
    assert set(nouvelles.values_list("montant_annuel", flat=True)) == {None}
    assert (
        Historique.objects.filter(objet="estimation", detail="Reprise des lignes de 2015").count() == nouvelles.count()
    )
    # Taken up twice: nothing doubles.
    client.post(CONTRIBUTION.format("caf-21", 2016) + "reprendre/")
    assert Estimation.objects.filter(partenaire=caf, annee=2016).count() == anciennes.count()
    # The grid recalls last year's amount under each box.
    grille_ = client.get(CONTRIBUTION.format("caf-21", 2016))
    assert "En 2015 : 12 100 000 €" in grille_.content.decode()


def test_the_grid_is_closed_once_submitted_and_to_other_roles(connecter, caf):
    client = connecter("agent.caf")
    _, _, donnees = grille(client, "caf-21", 2015)
    services.changer_statut(None, Contrat.objects.get(slug="grand-dijon"), caf, 2015, "soumettre")
    assert client.get(CONTRIBUTION.format("caf-21", 2015)).context["formset"] is None
    refus = client.post(CONTRIBUTION.format("caf-21", 2015), donnees)
    assert refus.status_code == 403
    for role in ("chef.projet", "lecteur", "agent.pole-emploi"):
        assert connecter(role).post(CONTRIBUTION.format("caf-21", 2015), donnees).status_code == 403


# -- mails ----------------------------------------------------------------------------------------


def test_submission_validation_and_send_back_are_mailed(
    connecter, collecte_2016, pole_emploi, conventions, django_capture_on_commit_callbacks
):
    agent = connecter("agent.pole-emploi")
    with django_capture_on_commit_callbacks(execute=True):
        agent.post(CONTRIBUTION.format("pole-emploi", 2016) + "soumettre/", {"rien_a_declarer": "on"})
    assert [m.to for m in mail.outbox] == [["chef.projet@example.org"]]
    assert "Pôle emploi a soumis sa contribution 2016" in mail.outbox[0].subject
    assert "http://127.0.0.1:8000/contrats/grand-dijon/contributions/pole-emploi/2016/" in mail.outbox[0].body
    chef = connecter("chef.projet")
    with django_capture_on_commit_callbacks(execute=True):
        chef.post(CONTRIBUTION.format("pole-emploi", 2016) + "renvoyer/", {"commentaire": "Il manque l'AIJ."})
    assert mail.outbox[1].to == ["agent.pole-emploi@example.org"]
    assert "Il manque l'AIJ." in mail.outbox[1].body and "à corriger" in mail.outbox[1].subject
    with django_capture_on_commit_callbacks(execute=True):
        connecter("agent.pole-emploi").post(
            CONTRIBUTION.format("pole-emploi", 2016) + "soumettre/", {"rien_a_declarer": "on"}
        )
        connecter("chef.projet").post(CONTRIBUTION.format("pole-emploi", 2016) + "valider/")
    assert "validée" in mail.outbox[3].subject and mail.outbox[3].to == ["agent.pole-emploi@example.org"]
    assert set(Courriel.objects.values_list("statut", flat=True)) == {"envoye"}


def test_a_mail_server_that_refuses_fails_no_request_and_is_shown(
    connecter, collecte_2016, settings, django_capture_on_commit_callbacks
):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        port,
        False,
        2,
    )
    with django_capture_on_commit_callbacks(execute=True):
        reponse = connecter("agent.pole-emploi").post(
            CONTRIBUTION.format("pole-emploi", 2016) + "soumettre/", {"rien_a_declarer": "on"}
        )
    assert reponse.status_code == 302
    assert Contribution.objects.get(partenaire__slug="pole-emploi", annee=2016).statut == "soumis"
    echec = Courriel.objects.get()
    assert echec.statut == "echec" and "Connection" in echec.erreur
    tableau = connecter("chef.projet").get("/contrats/grand-dijon/tableau-de-bord/?annee=2016")
    texte = tableau.content.decode()
    assert "Courriels non envoyés" in texte and echec.sujet.replace("'", "&#x27;") in texte
    # Retried once the server is back (here: the test backend).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        connecter("chef.projet").post(f"/contrats/grand-dijon/courriels/{echec.pk}/renvoyer/")
    echec.refresh_from_db()
    assert echec.statut == "envoye" and len(mail.outbox) == 1


# -- reminders ------------------------------------------------------------------------------------


def test_relancer_twice_the_same_day_sends_each_reminder_once(collecte_2016, django_capture_on_commit_callbacks):
    jour = collecte_2016.echeance - timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("relancer", date=jour.isoformat(), stdout=io.StringIO())
        sortie = io.StringIO()
        call_command("relancer", date=jour.isoformat(), stdout=sortie)
    assert sorted(m.to[0] for m in mail.outbox) == ["agent.caf@example.org", "agent.pole-emploi@example.org"]
    assert "déjà relancé ce jour" in sortie.getvalue()
    assert Relance.objects.filter(jour=jour).count() == 2
    # Not a reminder day: nothing; the deadline and each week after it: again.
    assert not collectes.jour_de_relance(collecte_2016, jour + timedelta(days=1))
    assert collectes.jour_de_relance(collecte_2016, collecte_2016.echeance)
    assert collectes.jour_de_relance(collecte_2016, collecte_2016.echeance + timedelta(days=14))
    call_command("relancer", date=(jour + timedelta(days=1)).isoformat(), stdout=io.StringIO())
    assert Relance.objects.count() == 2
    # A partner that submitted is not reminded.
    services.changer_statut(
        None, collecte_2016.contrat, Partenaire.objects.get(slug="caf-21"), 2016, "soumettre", rien_a_declarer=True
    )
    call_command("relancer", date=collecte_2016.echeance.isoformat(), stdout=io.StringIO())
    assert list(Relance.objects.filter(jour=collecte_2016.echeance).values_list("partenaire__slug", flat=True)) == [
        "pole-emploi"
    ]


def test_the_relancer_button_reminds_once_a_day_and_the_dashboard_says_when(connecter, collecte_2016):
    chef = connecter("chef.projet")
    url = "/contrats/grand-dijon/collectes/2016/relancer/"
    assert (
        "Relance envoyée à Pôle emploi" in chef.post(url, {"partenaire": "pole-emploi"}, follow=True).content.decode()
    )
    deja = chef.post(url, follow=True).content.decode()
    assert "Relance envoyée à CAF" in deja and "Déjà relancé aujourd&#x27;hui" in deja
    tableau = chef.get("/contrats/grand-dijon/tableau-de-bord/?annee=2016")
    assert {p.partenaire.slug: p.derniere_relance for p in tableau.context["positions"]} == {
        "caf-21": timezone.localdate(),
        "pole-emploi": timezone.localdate(),
    }
    assert connecter("agent.caf").post(url).status_code == 403


# -- the annexe across partners and years ----------------------------------------------------------


def test_a_partner_s_annexe_defaults_to_its_own_latest_year(connecter, conventions, pole_emploi, comptes):
    from importation.annexe import analyser, appliquer
    from tests.classeurs import annexe_simple, en_octets

    wb = annexe_simple(
        [("Pilier Cohésion sociale", "", "", "Pôle emploi", "Garantie jeunes", "", 50000, "", 150000)],
        annee=2016,
        periode="2016-2018",
    )
    rapport = analyser(en_octets(wb), conventions, pole_emploi)
    assert rapport.accepte, rapport.erreurs
    appliquer(rapport, comptes["chef.projet"])
    assert Estimation.objects.filter(partenaire=pole_emploi, annee=2016).exists()
    client = connecter("lecteur")
    page = client.get("/contrats/grand-dijon/annexe-financiere/?partenaire=caf-21")
    annexe = page.context["annexe"]
    assert annexe.annee == 2015
    assert (annexe.total_annuel, annexe.total_pluriannuel) == (Decimal("43130000"), Decimal("129530000"))
    # The contract's 2016 annexe names the CAF, which sent nothing for 2016.
    annee_2016 = client.get("/contrats/grand-dijon/annexe-financiere/?annee=2016")
    assert [(r.partenaire.slug, r.situation) for r in annee_2016.context["annexe"].recapitulatif] == [
        ("caf-21", "Non transmis"),
        ("pole-emploi", "En cours de saisie"),
    ]
    caf_2016 = client.get("/contrats/grand-dijon/annexe-financiere/?annee=2016&partenaire=caf-21")
    assert "non transmis" in caf_2016.content.decode()


def test_the_annexe_pdf_and_workbook_list_a_partner_that_sent_nothing(
    connecter, collecte_2016, conventions, pole_emploi, comptes
):
    dispositif = versions.creer(
        comptes["agent.pole-emploi"],
        Dispositif(contrat=conventions, partenaire=pole_emploi, code="pe-1", intitule="Accompagnement intensif"),
    )
    versions.creer(
        comptes["agent.pole-emploi"],
        Estimation(dispositif=dispositif, partenaire=pole_emploi, annee=2016, montant_annuel=Decimal("250000")),
    )
    client = connecter("lecteur")
    pdf = client.get("/contrats/grand-dijon/annexe-financiere.pdf?annee=2016")
    texte = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert re.search(r"Caisse d'Allocations Familiales de la Côte-d'Or\s+0\s+Non transmis", texte)
    assert re.search(r"Pôle emploi\s+1\s+250 000 €", texte)
    classeur = load_workbook(io.BytesIO(client.get("/contrats/grand-dijon/annexe-financiere.xlsx?annee=2016").content))
    feuille = classeur["Partenaires"]
    assert [(r[0], r[4]) for r in feuille.iter_rows(min_row=2, values_only=True)] == [
        ("Caisse d'Allocations Familiales de la Côte-d'Or", "Non transmis"),
        ("Pôle emploi", "En cours de saisie"),
    ]


def test_the_synthese_crosses_partners_and_piliers_as_page_pdf_and_workbook(connecter, collecte_2016, conventions):
    client = connecter("chef.projet")
    page = client.get("/contrats/grand-dijon/synthese/?annee=2015")
    synthese = page.context["synthese"]
    caf = next(ln for ln in synthese.lignes if ln.recap.partenaire.slug == "caf-21")
    assert caf.total == Decimal("43130000") and synthese.total == Decimal("43130000")
    assert sum(m for m in caf.montants if m is not None) == Decimal("43130000")
    assert sum(m for m in synthese.totaux if m is not None) == synthese.total
    pdf = client.get("/contrats/grand-dijon/synthese.pdf?annee=2015")
    assert pdf["Content-Type"] == "application/pdf"
    texte = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "43 130 000 €" in texte
    classeur = load_workbook(io.BytesIO(client.get("/contrats/grand-dijon/synthese.xlsx?annee=2015").content))
    feuille = classeur.active
    lignes = list(feuille.iter_rows(values_only=True))
    assert lignes[-1][0] == "Total" and lignes[-1][-2] == 43130000
    # 2016: both expected partners, neither sent anything.
    situations = {
        ln.recap.partenaire.slug: ln.recap.situation
        for ln in client.get("/contrats/grand-dijon/synthese/?annee=2016").context["synthese"].lignes
    }
    assert situations["pole-emploi"] == "Non transmis"


# -- home pages -----------------------------------------------------------------------------------


def test_the_agent_s_home_lists_the_contribution_to_complete(connecter, collecte_2016, conventions, caf):
    services.changer_statut(None, conventions, caf, 2016, "soumettre", rien_a_declarer=True)
    services.changer_statut(None, conventions, caf, 2016, "renvoyer", "Ajoutez le CLAS.")
    page = connecter("agent.caf").get("/")
    texte = page.content.decode()
    assert page.status_code == 200
    assert "Contribution 2016 de CAF — " in texte
    assert collecte_2016.echeance.strftime("%Y") in texte and "Ajoutez le CLAS." in texte
    assert "Renvoyée" in texte
    # Pôle emploi's agent has its own contribution to complete, not the CAF's.
    autre = connecter("agent.pole-emploi").get("/").content.decode()
    assert "Contribution 2016 de Pôle emploi" in autre and "Contribution 2016 de CAF" not in autre
    # A reader has no task, only the contracts.
    lecteur = connecter("lecteur").get("/").content.decode()
    assert "Vos contributions à compléter" not in lecteur and "Contrat de ville" in lecteur


def test_the_chef_s_home_shows_the_campaign_and_what_waits_for_validation(
    connecter, collecte_2016, conventions, pole_emploi
):
    services.changer_statut(None, conventions, pole_emploi, 2016, "soumettre", rien_a_declarer=True)
    texte = re.sub(r"\s+", " ", connecter("chef.projet").get("/").content.decode())
    assert "Collecte 2016 : 0 / 2 validées" in texte
    assert "À valider : " in texte and "Pôle emploi</a>" in texte


def test_the_homes_list_decisions_due_indicators_to_measure_and_late_bodies(connecter, comptes, conventions, caf):
    from datetime import date

    from fiches.models import Indicateur, Mesure
    from gouvernance.models import Decision, Instance, Seance

    jour = timezone.localdate()
    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    seance = Seance.objects.create(instance=copil, date=date(2021, 10, 12))
    echue = Decision.objects.create(
        seance=seance, texte="Transmettre le bilan CLAS", partenaire=caf, echeance=jour - timedelta(days=3)
    )
    Decision.objects.create(seance=seance, texte="Bilan lointain", partenaire=caf, echeance=jour + timedelta(days=90))
    agent = connecter("agent.caf").get("/")
    decisions = agent.context["agent"]["decisions"]
    assert decisions == [echue] and "(dépassée)" in agent.content.decode()
    # The indicators of the fiches the CAF carries, without a value for last year.
    # Counted by fiche, one link each, not one link per indicator.
    par_fiche = agent.context["agent"]["indicateurs_par_fiche"]
    total = agent.context["agent"]["indicateurs_total"]
    assert par_fiche and total == sum(n for _, n in par_fiche) and total > len(par_fiche)
    assert {f.contrat.slug for f, _ in par_fiche} <= {"ctg-dijon", "grand-dijon"}
    page = agent.content.decode()
    liste = page[page.index('id="indicateurs-par-fiche"') :]
    liste = liste[: liste.index("</ul>")]
    assert liste.count("<li>") == len(par_fiche) and "/valeurs/" not in liste
    fiche, _ = par_fiche[0]
    premier = Indicateur.objects.filter(fiche=fiche).exclude(mesures__annee=jour.year - 1).order_by("ordre").first()
    Mesure.objects.create(indicateur=premier, annee=jour.year - 1, valeur=Decimal("12"))
    apres = connecter("agent.caf").get("/").context["agent"]
    assert apres["indicateurs_total"] == total - 1
    assert Indicateur.objects.filter(pk=premier.pk).exists()
    # The chef de projet: the overdue decision, and bodies late on their rhythm.
    chef = connecter("chef.projet").get("/")
    bloc = next(b for b in chef.context["pilotage"] if b["contrat"] == conventions)
    assert echue in bloc["decisions"]
    # Grand Dijon has ended (2022): it expects no more séances, its governance page says what was missed.
    assert bloc["instances_en_retard"] == [] and "Instances en retard" not in chef.content.decode()
    conventions.annee_fin_prolongation = jour.year + 1
    conventions.save()
    chef = connecter("chef.projet").get("/")
    bloc = next(b for b in chef.context["pilotage"] if b["contrat"] == conventions)
    assert copil in [s.instance for s in bloc["instances_en_retard"]] and "Instances en retard" in chef.content.decode()


def test_a_partner_without_an_agent_to_write_to_is_not_marked_reminded(connecter, collecte_2016, comptes):
    comptes["agent.pole-emploi"].email = ""
    comptes["agent.pole-emploi"].save()
    erreurs = io.StringIO()
    call_command("relancer", date=collecte_2016.echeance.isoformat(), stdout=io.StringIO(), stderr=erreurs)
    assert "Pôle emploi n'a aucun agent avec une adresse de courriel" in erreurs.getvalue()
    assert list(Relance.objects.values_list("partenaire__slug", flat=True)) == ["caf-21"]
    page = connecter("chef.projet").post(
        "/contrats/grand-dijon/collectes/2016/relancer/", {"partenaire": "pole-emploi"}, follow=True
    )
    assert "Aucun agent avec une adresse de courriel, relance impossible : Pôle emploi" in page.content.decode()


def test_a_closed_campaign_reminds_nobody(connecter, collecte_2016, caf, pole_emploi):
    chef = connecter("chef.projet")
    page = chef.get("/contrats/grand-dijon/collectes/2016/")
    assert page.status_code == 200 and page.context["form"].initial["version"] == collecte_2016.version
    reponse = chef.post(
        "/contrats/grand-dijon/collectes/2016/",
        {
            "echeance": collecte_2016.echeance.isoformat(),
            "partenaires": [caf.pk, pole_emploi.pk],
            "version": collecte_2016.version,
        },
    )  # « ouverte » unticked
    assert reponse.status_code == 302
    collecte_2016.refresh_from_db()
    assert not collecte_2016.ouverte and collecte_2016.version == 2
    entree = Historique.objects.filter(objet="collecte", objet_id=collecte_2016.pk, action="modification").get()
    assert entree.avant["ouverte"] is True and entree.apres["ouverte"] is False
    call_command("relancer", date=collecte_2016.echeance.isoformat(), stdout=io.StringIO())
    assert not Relance.objects.exists()
    refus = chef.post("/contrats/grand-dijon/collectes/2016/relancer/", follow=True).content.decode()
    assert "La collecte 2016 est fermée" in refus and not Relance.objects.exists()
    # A stale form (someone changed the campaign since) is refused, not applied.
    perime = chef.post(
        "/contrats/grand-dijon/collectes/2016/",
        {"echeance": "2030-01-01", "partenaires": [caf.pk], "ouverte": "on", "version": 1},
    )
    assert perime.status_code == 409
    collecte_2016.refresh_from_db()
    assert not collecte_2016.ouverte and collecte_2016.partenaires.count() == 2


def test_the_grid_page_costs_the_same_queries_with_more_blank_rows(connecter):
    client = connecter("agent.caf")
    comptes_ = []
    for lignes in (3, 30):
        with CaptureQueriesContext(connection) as requetes:
            page = client.get(CONTRIBUTION.format("caf-21", 2015) + f"?lignes={lignes}")
        assert len(page.context["formset"].forms) == 37 + lignes
        comptes_.append(len(requetes))
    assert comptes_[0] == comptes_[1], comptes_


def test_opening_a_campaign_with_bad_input_says_why_in_french(connecter, conventions, caf):
    chef = connecter("chef.projet")
    cas = [
        (
            {"annee": 2040, "echeance": "2026-12-31", "partenaires": [caf.pk]},
            "L'année doit être comprise dans la période",
        ),
        ({"annee": 2016, "echeance": "31/02/2026", "partenaires": [caf.pk]}, "Saisissez une date au format AAAA-MM-JJ"),
        ({"annee": 2016, "echeance": "9999-01-01", "partenaires": [caf.pk]}, "Saisissez une année entre 1900 et 2100"),
        ({"annee": 2016, "echeance": "2026-12-31"}, "Choisissez au moins un partenaire attendu."),
    ]
    for donnees, message in cas:
        reponse = chef.post("/contrats/grand-dijon/collectes/ouvrir/", donnees)
        assert reponse.status_code == 400 and message in reponse.content.decode().replace("&#x27;", "'"), message
    assert not Collecte.objects.exists()


def test_a_grid_sent_twice_adds_its_new_lines_once(connecter, conventions, caf):
    """A double click on « Enregistrer la grille »: the second submission adds nothing."""
    client = connecter("agent.caf")
    existant = Dispositif.objects.filter(contrat=conventions, partenaire=caf).first()
    _, _, donnees = grille(client, "caf-21", 2016)
    donnees.update(
        {
            "jeton": "un-jeton-de-grille",
            "lignes-0-dispositif": "nouveau",
            "lignes-0-intitule": "Ludobus",
            "lignes-0-montant_annuel": "1 000",
            "lignes-1-dispositif": str(existant.pk),
        }
    )
    premiere = client.post(CONTRIBUTION.format("caf-21", 2016), donnees)
    seconde = client.post(CONTRIBUTION.format("caf-21", 2016), donnees, follow=True)
    assert premiere.status_code == 302
    assert "Ce formulaire avait déjà été envoyé" in seconde.content.decode()
    assert Estimation.objects.filter(partenaire=caf, annee=2016).count() == 2
    assert Dispositif.objects.filter(intitule="Ludobus").count() == 1
    # Without the token (a stale page read before the lines existed): refused in French, nothing half-written.
    donnees.pop("jeton")
    troisieme = client.post(CONTRIBUTION.format("caf-21", 2016), donnees)
    assert troisieme.status_code == 400 and "il a déjà une ligne cette année" in troisieme.content.decode()
    assert Estimation.objects.filter(partenaire=caf, annee=2016).count() == 2
    assert Dispositif.objects.filter(intitule="Ludobus").count() == 1


def test_asking_for_more_lines_keeps_the_three_typed_and_the_exchange_survives_a_resubmission(
    connecter, conventions, caf, comptes
):
    """Three lines typed and not yet saved, then « Enregistrer et ajouter des lignes »: the three are there,
    with more empty lines below; the chef's send-back reason stays on the page after the agent resubmits, with
    the agent's answer, each dated."""
    from tests.formulaires_html import formulaire

    client = connecter("agent.caf")
    url = CONTRIBUTION.format("caf-21", 2016)
    page = client.get(url)
    donnees = formulaire(page)
    vides_avant = int(donnees["lignes-TOTAL_FORMS"][0])
    assert "plus_de_lignes" not in donnees  # a button: sent only when pressed
    for i, (intitule, montant) in enumerate([("Ludobus", "1 000"), ("Ludothèque", "2 000"), ("Point écoute", "3 000")]):
        donnees.update(
            {
                f"lignes-{i}-dispositif": ["nouveau"],
                f"lignes-{i}-intitule": [intitule],
                f"lignes-{i}-montant_annuel": [montant],
            }
        )
    donnees["plus_de_lignes"] = [str(vides_avant + 5)]
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302 and reponse["Location"] == f"{url}?lignes={vides_avant + 5}#grille"
    page = client.get(reponse["Location"])
    texte = page.content.decode()
    for intitule, montant in [("Ludobus", "1 000"), ("Ludothèque", "2 000"), ("Point écoute", "3 000")]:
        assert intitule in texte
        assert Estimation.objects.get(dispositif__intitule=intitule, annee=2016).montant_annuel == Decimal(
            montant.replace(" ", "")
        )
    apres = formulaire(page)
    assert int(apres["lignes-TOTAL_FORMS"][0]) == 3 + vides_avant + 5

    # Sent back, resubmitted with an answer: both words stay, dated, in order.
    soumettre = "/contrats/grand-dijon/contributions/caf-21/2016/soumettre/"
    assert client.post(soumettre, {"commentaire": ""}).status_code == 302
    chef = connecter("chef.projet")
    chef.post(url + "renvoyer/", {"commentaire": "Le montant du Ludobus est celui de 2015."})
    agent = connecter("agent.caf")
    assert agent.post(soumettre, {"commentaire": "Corrigé : 1 200 € en 2016."}).status_code == 302
    assert Contribution.objects.get(contrat=conventions, partenaire=caf, annee=2016).statut == "soumis"
    for qui in ("chef.projet", "agent.caf"):
        texte = html.unescape(connecter(qui).get(url).content.decode())
        echanges = texte[texte.index('id="echanges"') :]
        renvoi, reponse_agent = (
            echanges.index("Le montant du Ludobus est celui de 2015."),
            echanges.index("Corrigé : 1 200 € en 2016."),
        )
        assert renvoi < reponse_agent
        assert "Renvoi" in echanges and "Soumission" in echanges


def test_the_review_says_removed_lines_changed_remarks_and_zero_is_not_unknown(conventions, caf, comptes, connecter):
    from engagements import relecture

    agent, chef = comptes["agent.caf"], comptes["chef.projet"]
    services.changer_statut(agent, conventions, caf, 2015, "soumettre")
    premiere = relecture.relire(services.contribution(conventions, caf, 2015), [])
    assert premiere.soumise_le is None and premiere.changements == 0  # a first submission: nothing to compare
    services.changer_statut(chef, conventions, caf, 2015, "renvoyer", "À revoir.")
    lignes = list(Estimation.objects.filter(dispositif__contrat=conventions, partenaire=caf, annee=2015).order_by("pk"))
    inconnue = next(e for e in lignes if e.montant_annuel is None)
    retiree, remarquee = [e for e in lignes if e.pk != inconnue.pk][:2]
    versions.supprimer(agent, retiree, retiree.version)
    remarquee.remarque_annuelle = "Selon le vote du conseil"
    versions.modifier(agent, remarquee, remarquee.version)
    inconnue.montant_annuel = Decimal("0")  # known to be nothing this year: not the same as unknown
    versions.modifier(agent, inconnue, inconnue.version)
    services.changer_statut(agent, conventions, caf, 2015, "soumettre")

    page = connecter("chef.projet").get(CONTRIBUTION.format("caf-21", 2015))
    revue = page.context["relecture"]
    assert [nom for nom, _ in revue.retirees] == [retiree.dispositif.intitule]
    par_pk = {ligne.estimation.pk: ligne for ligne in revue.lignes}
    assert par_pk[remarquee.pk].depuis_soumission["Remarque"].apres == "Selon le vote du conseil"
    ecart = par_pk[inconnue.pk].depuis_soumission["Montant annuel"]
    assert (ecart.avant, ecart.apres, ecart.difference) == (None, Decimal("0"), None)
    assert revue.changements == 3
    texte = html.unescape(page.content.decode())
    assert "Retirées depuis la dernière soumission" in texte and "inconnu → 0 €" in texte
    # The agent does not get the review: it is the chef's, before validating.
    assert connecter("agent.caf").get(CONTRIBUTION.format("caf-21", 2015)).context["relecture"] is None


def test_the_lecteur_s_home_says_what_there_is_to_read(connecter, conventions):
    page = html.unescape(connecter("lecteur").get("/").content.decode())
    bloc = page[page.index('id="contrats-lus"') :]
    bloc = bloc[: bloc.index("</ul>")]
    for lien in ("annexe-financiere/", "synthese/", "fiches/", "gouvernance/"):
        assert f"/contrats/grand-dijon/{lien}" in bloc, lien


def test_a_new_line_of_the_grid_says_its_unit_and_the_quartiers_it_targets(connecter, conventions, caf):
    """As the signed annexe: « Unité de compte » printed in the annexe, and the quartiers the line targets read
    by the synthèse by quartier rather than « Sans quartier ciblé »."""
    from contrat.models import PerimetreQuartier
    from tests.formulaires_html import formulaire

    lien = PerimetreQuartier.objects.filter(contrat=conventions).select_related("quartier").first()
    client = connecter("agent.caf")
    url = CONTRIBUTION.format("caf-21", 2016)
    donnees = formulaire(client.get(url))
    donnees.update(
        {
            "lignes-0-dispositif": ["nouveau"],
            "lignes-0-intitule": ["Ludobus"],
            "lignes-0-unite_compte": ["par famille accueillie"],
            "lignes-0-quartiers": [str(lien.quartier_id)],
            "lignes-0-montant_annuel": ["4 000"],
        }
    )
    assert client.post(url, donnees).status_code == 302
    dispositif = Dispositif.objects.get(intitule="Ludobus")
    assert dispositif.unite_compte == "par famille accueillie"
    assert list(dispositif.quartiers.all()) == [lien.quartier]
    annexe = html.unescape(client.get("/contrats/grand-dijon/annexe-financiere/?annee=2016").content.decode())
    assert "par famille accueillie" in annexe
    synthese = client.get("/contrats/grand-dijon/synthese/?annee=2016").context["synthese"]
    assert [q.libelle for q in synthese.quartiers if q.lignes] == [lien.quartier.nom]
    # Back on the grid, the saved line says its unit.
    assert "Unité de compte : par famille accueillie" in html.unescape(client.get(url).content.decode())


def test_the_contribution_s_history_shows_its_lines_changes(connecter, conventions, caf, comptes):
    """Lines saved in the grid appear in the contribution's history (not « Aucune modification »), with their
    amounts; another partner's or another year's lines do not."""
    from tests.formulaires_html import formulaire

    client = connecter("agent.caf")
    url = CONTRIBUTION.format("caf-21", 2016)
    donnees = formulaire(client.get(url))
    donnees.update(
        {"lignes-0-dispositif": ["nouveau"], "lignes-0-intitule": ["Ludobus"], "lignes-0-montant_annuel": ["4 000"]}
    )
    assert client.post(url, donnees).status_code == 302
    page = html.unescape(client.get(url).content.decode())
    historique = page[page.index("Historique de la contribution") :]
    assert "Aucune modification" not in historique and "4 000 €" in historique
    autre = html.unescape(client.get(CONTRIBUTION.format("caf-21", 2017)).content.decode())
    assert "4 000 €" not in autre[autre.index("Historique de la contribution") :]
