"""One lock rule on every route: a validated contribution no longer changes — not through the forms,
the import, the admin or a command — until the chef de projet reopens it, in the history."""

import html
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contrat.models import Objectif, Partenaire
from engagements import exports, services
from engagements.annexe import Annexe
from engagements.models import Contribution, Dispositif, Estimation
from noyau import versions
from noyau.models import Historique
from tests.classeurs import annexe_simple, en_octets

TOTAUX_CAF_2015 = (Decimal("43130000"), Decimal("129530000"))


@pytest.fixture
def caf():
    return Partenaire.objects.get(slug="caf-21")


@pytest.fixture
def validee(conventions, comptes, caf):
    """The CAF's 2015 contribution, submitted by its agent and validated by the chef de projet."""
    services.changer_statut(comptes["agent.caf"], conventions, caf, 2015, "soumettre")
    return services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "valider")


def texte(reponse):
    return html.unescape(reponse.content.decode())


def totaux(contrat, caf):
    annexe = Annexe(contrat, 2015, caf)
    return annexe.total_annuel, annexe.total_pluriannuel


def ligne_caf(contrat):
    """A CAF dispositif that carries a 2015 line."""
    return Dispositif.objects.filter(contrat=contrat, partenaire__slug="caf-21", estimations__annee=2015).first()


def etat_base():
    """What a refused write must leave exactly as it was."""
    return (
        Dispositif.objects.count(),
        Estimation.objects.count(),
        Historique.objects.count(),
        Estimation.objects.aggregate(a=Sum("montant_annuel"), p=Sum("montant_pluriannuel")),
        sorted(Estimation.objects.values_list("pk", "version")),
        sorted(Dispositif.objects.values_list("pk", "version", "archive")),
    )


def test_a_validated_contribution_closes_every_form_of_its_lines(validee, connecter, caf):
    contrat = validee.contrat
    assert totaux(contrat, caf) == TOTAUX_CAF_2015
    dispositif = ligne_caf(contrat)
    estimation = dispositif.estimations.get(annee=2015, partenaire=caf)
    avant = etat_base()
    for compte in ("agent.caf", "admin"):
        client = connecter(compte)
        for nom, pk, donnees in [
            (
                "engagements:dispositif_modifier",
                dispositif.pk,
                {"partenaire": caf.pk, "intitule": "Renommée", "statut": "actif", "version": dispositif.version},
            ),
            ("engagements:dispositif_archiver", dispositif.pk, {"version": dispositif.version}),
            (
                "engagements:estimation_creer",
                dispositif.pk,
                {"partenaire": caf.pk, "annee": 2016, "montant_annuel": "1"},
            ),
            (
                "engagements:estimation_modifier",
                estimation.pk,
                {"partenaire": caf.pk, "annee": 2015, "montant_annuel": "1", "version": estimation.version},
            ),
            ("engagements:estimation_supprimer", estimation.pk, {"version": estimation.version}),
        ]:
            url = reverse(nom, args=[pk])
            if nom != "engagements:dispositif_archiver":
                page = client.get(url)
                assert page.status_code == 403, (compte, nom)
                assert "La contribution 2015 de Caisse d'Allocations Familiales" in texte(page), (compte, nom)
            assert client.post(url, donnees).status_code == 403, (compte, nom)
    assert etat_base() == avant
    assert totaux(contrat, caf) == TOTAUX_CAF_2015
    # The page of the line says why, and offers no button.
    page = connecter("agent.caf").get(dispositif.get_absolute_url()).content.decode()
    assert "est validée" in page and reverse("engagements:dispositif_modifier", args=[dispositif.pk]) not in page


def test_the_service_itself_refuses_and_checks_old_and_new_values(validee, comptes, caf):
    """Whatever route calls it: the row as it is, and the row as it would be."""
    contrat = validee.contrat
    estimation = Estimation.objects.filter(dispositif__contrat=contrat, partenaire=caf, annee=2015).first()
    estimation.montant_annuel = Decimal("1")
    with pytest.raises(versions.Verrouille, match="validée"):
        versions.modifier(comptes["admin"], estimation, estimation.version)
    # Moving a 2016 line into the validated year is a change of that year too.
    autre = Estimation.objects.create(dispositif=estimation.dispositif, partenaire=caf, annee=2016, montant_annuel=5)
    autre.annee = 2015
    with pytest.raises(versions.Verrouille):
        versions.modifier(comptes["admin"], autre, autre.version)
    # Its objectifs too: their label is printed in the validated annexe.
    objectif = Objectif.objects.filter(dispositifs__estimations__in=[estimation]).first()
    objectif.intitule = "Autre intitulé"
    with pytest.raises(versions.Verrouille):
        versions.modifier(comptes["admin"], objectif, objectif.version)
    assert totaux(contrat, caf) == TOTAUX_CAF_2015
    # And the bound of every route: a year outside the contract, whoever writes it.
    with pytest.raises(versions.Verrouille, match="L'année 1999 est hors de la période du contrat \\(2015-2022\\)"):
        versions.creer(comptes["admin"], Estimation(dispositif=estimation.dispositif, partenaire=caf, annee=1999))


def test_reopening_takes_a_comment_goes_in_the_history_and_unlocks(validee, connecter, caf):
    contrat = validee.contrat
    url = reverse("engagements:contribution", args=[contrat.slug, caf.slug, 2015])
    chef = connecter("chef.projet")
    assert (
        "Version de travail"
        not in chef.get(
            reverse("engagements:annexe", args=[contrat.slug]) + "?annee=2015&partenaire=caf-21"
        ).content.decode()
    )
    sans = chef.post(url + "rouvrir/", {"commentaire": " "}, follow=True).content.decode()
    assert "avant de rouvrir sa contribution validée" in sans
    assert Contribution.objects.get(pk=validee.pk).statut == "valide"
    assert connecter("agent.caf").post(url + "rouvrir/", {"commentaire": "Non"}).status_code == 403

    chef = connecter("chef.projet")
    chef.post(url + "rouvrir/", {"commentaire": "Le montant des minimas sociaux est à revoir."})
    contribution = Contribution.objects.get(pk=validee.pk)
    assert contribution.statut == "renvoye" and contribution.version == validee.version + 1
    entree = Historique.objects.filter(objet="contribution", objet_id=contribution.pk).latest("date", "pk")
    assert entree.commentaire == "Le montant des minimas sociaux est à revoir."
    assert (entree.avant["statut"], entree.apres["statut"]) == ("valide", "renvoye")
    page = chef.get(url).content.decode()
    assert "Le montant des minimas sociaux est à revoir." in page and "Historique de la contribution" in page
    assert (
        "Version de travail"
        in chef.get(
            reverse("engagements:annexe", args=[contrat.slug]) + "?annee=2015&partenaire=caf-21"
        ).content.decode()
    )

    dispositif = ligne_caf(contrat)
    agent = connecter("agent.caf")
    reponse = agent.post(
        reverse("engagements:dispositif_modifier", args=[dispositif.pk]),
        {
            "partenaire": caf.pk,
            "intitule": dispositif.intitule + " (rouvert)",
            "statut": dispositif.statut,
            "unite_compte": dispositif.unite_compte,
            "version": dispositif.version,
            "objectifs": list(dispositif.objectifs.values_list("pk", flat=True)),
        },
    )
    assert reponse.status_code == 302
    assert Dispositif.objects.get(pk=dispositif.pk).intitule.endswith("(rouvert)")


# -- the admin ---------------------------------------------------------------------------


def test_the_admin_shows_versioned_data_but_does_not_write_them(conventions, connecter, caf):
    """An admin save would skip the version, the lock and the history: it is not offered."""
    dispositif = ligne_caf(conventions)
    estimation = dispositif.estimations.get(annee=2015, partenaire=caf)
    admin = connecter("admin")
    url = f"/admin/engagements/dispositif/{dispositif.pk}/change/"
    page = admin.get(url)
    assert page.status_code == 200 and dispositif.intitule in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    avant = etat_base()
    donnees = {
        "intitule": "Changé dans l'administration",
        "estimations-TOTAL_FORMS": "1",
        "estimations-INITIAL_FORMS": "1",
        "estimations-0-id": estimation.pk,
        "estimations-0-montant_annuel": "1",
        "_save": "Enregistrer",
    }
    assert admin.post(url, donnees).status_code == 403
    assert admin.post(f"/admin/engagements/dispositif/{dispositif.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin.post("/admin/contrat/objectif/add/", {"intitule": "x"}).status_code == 403
    assert etat_base() == avant

    # So an agent's form opened before is still the truth: it saves, versioned and in the history.
    agent = connecter("agent.caf")
    formulaire = reverse("engagements:estimation_modifier", args=[estimation.pk])
    assert agent.get(formulaire).status_code == 200
    reponse = agent.post(
        formulaire,
        {
            "partenaire": caf.pk,
            "annee": 2015,
            "montant_annuel": "12 000",
            "montant_pluriannuel": "",
            "version": estimation.version,
        },
    )
    assert reponse.status_code == 302
    estimation.refresh_from_db()
    assert estimation.version == 2 and Historique.objects.de(estimation).count() == 1


def test_every_versioned_model_is_read_only_in_the_admin(conventions, comptes):
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    requete = RequestFactory().get("/admin/")
    requete.user = comptes["admin"]
    versionnes = [m for m, modele_admin in django_admin.site._registry.items() if hasattr(m, "suivi")]
    assert {m.suivi.nature for m in versionnes} >= {
        "dispositif",
        "annexe",
        "pilier",
        "orientation",
        "objectif",
        "fiche",
        "mesure",
        "instance",
        "seance",
        "collecte",
    }
    for modele in versionnes:
        modele_admin = django_admin.site._registry[modele]
        assert not modele_admin.has_change_permission(requete), modele
        assert not modele_admin.has_add_permission(requete), modele
        assert not modele_admin.has_delete_permission(requete), modele
        for inline in modele_admin.get_inline_instances(requete):
            assert not inline.has_change_permission(requete), inline


# -- the import --------------------------------------------------------------------------


def export_modifie(contrat, caf, tmp_path, montant=12345):
    """The CAF's own workbook export with the first amount of the year changed."""
    classeur = load_workbook(io.BytesIO(exports.annexe_xlsx(Annexe(contrat, 2015, caf), timezone.localdate())))
    feuille = classeur.active
    cellule = next(
        c
        for ligne in feuille.iter_rows()
        for c in ligne
        if c.column == exports.COL_ANNUEL and isinstance(c.value, (int, float, Decimal))
    )
    ancien = Decimal(str(cellule.value))
    cellule.value = montant
    chemin = tmp_path / "annexe-caf-2015.xlsx"
    chemin.write_bytes(en_octets(classeur))
    return str(chemin), ancien


def importer(chemin, contrat="grand-dijon"):
    sortie = io.StringIO()
    call_command("import_annexe", chemin, contrat=contrat, partenaire="caf-21", commit=True, stdout=sortie)
    return sortie.getvalue()


def test_the_import_refuses_a_change_to_a_validated_contribution_then_applies_it_once_reopened(
    validee, comptes, caf, tmp_path
):
    contrat = validee.contrat
    chemin, ancien = export_modifie(contrat, caf, tmp_path)
    avant = etat_base()
    with pytest.raises(CommandError) as refus:
        importer(chemin)
    assert "Import refusé" in str(refus.value)
    sortie = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_annexe", chemin, contrat="grand-dijon", partenaire="caf-21", commit=True, stdout=sortie)
    assert (
        "La contribution 2015 de Caisse d'Allocations Familiales de la Côte-d'Or au contrat "
        "« Contrat de ville de la métropole dijonnaise » est validée"
    ) in sortie.getvalue()
    assert "rouvre" in sortie.getvalue()
    assert etat_base() == avant
    assert totaux(contrat, caf) == TOTAUX_CAF_2015

    services.changer_statut(comptes["chef.projet"], contrat, caf, 2015, "rouvrir", "Corrections de la CAF")
    sortie = importer(chemin)
    assert "Import enregistré" in sortie
    modifiee = Estimation.objects.get(dispositif__contrat=contrat, partenaire=caf, annee=2015, montant_annuel=12345)
    entree = Historique.objects.de(modifiee).get()
    assert (entree.source, entree.detail) == ("import", "annexe-caf-2015.xlsx")
    assert entree.avant["montant_annuel"] == str(ancien.quantize(Decimal("0.01")))
    assert entree.apres["montant_annuel"] == "12345.00"
    assert totaux(contrat, caf)[0] == TOTAUX_CAF_2015[0] - ancien + 12345


def test_the_import_refuses_a_year_outside_the_contract(conventions, tmp_path):
    ligne = (
        "Pilier Cohésion sociale",
        "1 - CONCOURIR A LA REUSSITE EDUCATIVE",
        "1-a) Favoriser les relations parents/enfants/Institutions",
        "CAF",
        "CLAS",
        "",
        6800,
        "",
        20400,
    )
    avant = etat_base()
    for annee, periode, attendu in [
        (1999, "1999-2001", "L'année 1999 du fichier est hors de la période du contrat (2015-2022)"),
        (2016, "2016-2031", "La projection 2016-2031 du fichier dépasse la période du contrat (2015-2022)"),
    ]:
        chemin = tmp_path / f"annexe-{annee}.xlsx"
        chemin.write_bytes(en_octets(annexe_simple([ligne], annee=annee, periode=periode)))
        sortie = io.StringIO()
        with pytest.raises(CommandError):
            call_command(
                "import_annexe", str(chemin), contrat="grand-dijon", partenaire="caf-21", commit=True, stdout=sortie
            )
        assert attendu in sortie.getvalue()
    assert etat_base() == avant


def test_the_import_records_the_tree_and_the_annexe_it_creates(conventions, tmp_path, comptes):
    from contrat.models import Contrat

    essai = Contrat.objects.create(nom="Essai", slug="essai", territoire="Essai", annee_debut=2015, annee_fin=2020)
    ligne = (
        "Pilier Cohésion sociale",
        "1 - CONCOURIR A LA REUSSITE EDUCATIVE",
        "1-a) Favoriser les relations parents/enfants/Institutions",
        "CAF",
        "CLAS",
        "",
        6800,
        "",
        20400,
    )
    chemin = tmp_path / "essai.xlsx"
    chemin.write_bytes(en_octets(annexe_simple([ligne])))
    importer(str(chemin), contrat="essai")
    entrees = Historique.objects.filter(contrat_id=essai.pk)
    assert sorted(entrees.values_list("objet", flat=True)) == sorted(
        ["pilier", "orientation", "objectif", "annexe", "dispositif", "estimation"]
    )
    assert set(entrees.values_list("source", "detail", "action")) == {("import", "essai.xlsx", "creation")}


# -- a submitted contribution -------------------------------------------------------------


def test_a_submitted_contribution_is_closed_on_every_route_until_sent_back(
    conventions, comptes, connecter, caf, tmp_path
):
    """What the chef de projet reads is what he validates: once submitted, the partner's lines change by no
    route — the import (command and web), the agent's grid and form, the service a command calls, the admin —
    until he sends it back."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from engagements import saisie

    services.changer_statut(comptes["agent.caf"], conventions, caf, 2015, "soumettre")
    soumise = (
        "La contribution 2015 de Caisse d'Allocations Familiales de la Côte-d'Or au contrat « Contrat de ville "
        "de la métropole dijonnaise » est soumise au chef de projet"
    )
    chemin, _ = export_modifie(conventions, caf, tmp_path)
    avant = etat_base()
    # The import, as a command…
    sortie = io.StringIO()
    with pytest.raises(CommandError, match="Import refusé"):
        call_command("import_annexe", chemin, contrat="grand-dijon", partenaire="caf-21", commit=True, stdout=sortie)
    assert soumise in sortie.getvalue() and "renvoie d'abord" in sortie.getvalue()
    # … and on the web, by the chef de projet himself.
    chef = connecter("chef.projet")
    with open(chemin, "rb") as f:
        apercu = chef.post(
            "/contrats/grand-dijon/annexe-financiere/importer/",
            {"partenaire": "caf-21", "fichier": SimpleUploadedFile("annexe.xlsx", f.read())},
        )
    assert soumise in texte(apercu)
    # The service every route calls (a command, the shell), even for a superuser, for one row or many.
    estimation = Estimation.objects.filter(dispositif__contrat=conventions, partenaire=caf, annee=2015).first()
    estimation.montant_annuel = Decimal("1")
    with pytest.raises(versions.Verrouille, match="est soumise au chef de projet"):
        versions.modifier(comptes["admin"], estimation, estimation.version)
    with pytest.raises(versions.Verrouille, match="est soumise au chef de projet"):
        versions.modifier_en_nombre(comptes["agent.caf"], [(estimation, estimation.version)])
    with pytest.raises(versions.Verrouille, match="est soumise au chef de projet"):
        versions.creer(
            comptes["admin"], Estimation(dispositif=estimation.dispositif, partenaire=caf, annee=2015, montant_annuel=5)
        )
    # The agent's grid, even one it opened as a draft and posts now (the view's check passed meanwhile).
    grille = saisie.Saisie(conventions, caf, 2015)
    donnees = {f"lignes-{k}": v for k, v in {"TOTAL_FORMS": 1, "INITIAL_FORMS": 1}.items()}
    ligne = grille.initial()[0]
    donnees.update({f"lignes-0-{k}": ("" if v is None else v) for k, v in ligne.items()})
    donnees["lignes-0-montant_annuel"] = "7"
    formset = grille.formset(donnees)
    assert formset.is_valid(), formset.errors
    with pytest.raises(versions.Verrouille, match="est soumise au chef de projet"):
        grille.enregistrer(comptes["agent.caf"], formset)
    agent = connecter("agent.caf")
    refus = agent.post("/contrats/grand-dijon/contributions/caf-21/2015/", donnees)
    assert refus.status_code == 403
    assert agent.get(f"/estimations/{estimation.pk}/modifier/").status_code == 403
    # The admin writes no versioned row.
    assert (
        connecter("admin")
        .post(f"/admin/engagements/dispositif/{estimation.dispositif_id}/change/", {"intitule": "x"})
        .status_code
        == 403
    )
    assert etat_base() == avant

    # Sent back: every route works again.
    services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "renvoyer", "Le FSL manque")
    assert "Import enregistré" in importer(chemin)
    estimation.refresh_from_db()
    estimation.remarque_annuelle = "vu avec la CAF"
    versions.modifier(comptes["admin"], estimation, estimation.version)
    assert Estimation.objects.get(pk=estimation.pk).remarque_annuelle == "vu avec la CAF"


def test_the_chef_validates_what_was_submitted(conventions, comptes, caf):
    """Validation and send-back change the contribution, not its lines: neither is refused by the lock."""
    services.changer_statut(comptes["agent.caf"], conventions, caf, 2015, "soumettre")
    assert totaux(conventions, caf) == TOTAUX_CAF_2015
    valide = services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "valider")
    assert valide.statut == Contribution.Statut.VALIDE and totaux(conventions, caf) == TOTAUX_CAF_2015


def test_a_submitted_contribution_closes_its_dispositifs_and_the_tree_they_serve_until_sent_back(
    conventions, comptes, connecter, caf
):
    """After « Soumettre », renaming, archiving or moving a dispositif of the contribution, or renaming,
    moving or archiving an item of the tree it serves, is refused on every route (403 naming the submission)
    and the annexe is unchanged; after « Renvoyer » the same requests go through."""
    services.changer_statut(comptes["agent.caf"], conventions, caf, 2015, "soumettre")
    soumise = "La contribution 2015 de Caisse d'Allocations Familiales de la Côte-d'Or"
    dispositif = ligne_caf(conventions)
    objectif = dispositif.objectifs.order_by("pk").first()
    autre_objectif = Objectif.objects.filter(orientation__pilier__contrat=conventions).exclude(
        pk__in=dispositif.objectifs.all()
    )[0]
    orientation, pilier = objectif.orientation, objectif.orientation.pilier
    slug = conventions.slug

    def frais(objet):
        objet.refresh_from_db()
        return objet

    def champs():
        d = frais(dispositif)
        return {"partenaire": caf.pk, "statut": d.statut, "unite_compte": d.unite_compte, "version": d.version}

    # (account, url, data read when the request is sent: each request follows the one before it)
    modifier = reverse("engagements:dispositif_modifier", args=[dispositif.pk])
    demandes = [
        ("agent.caf", modifier, lambda: {**champs(), "intitule": "Renommé", "objectifs": [objectif.pk]}),
        (
            "agent.caf",
            modifier,
            lambda: {**champs(), "intitule": "Renommé", "objectifs": [objectif.pk, autre_objectif.pk]},
        ),
        (
            "admin",
            reverse("engagements:dispositif_archiver", args=[dispositif.pk]),
            lambda: {"version": champs()["version"]},
        ),
    ]
    for nature, noeud in (("objectif", objectif), ("orientation", orientation), ("pilier", pilier)):
        base = f"/contrats/{slug}/arbre/{nature}/{noeud.pk}/"
        sens = "monter" if noeud.ordre > 1 else "descendre"
        demandes += [
            (
                "chef.projet",
                base + "modifier/",
                lambda n=noeud: {"code": n.code, "intitule": "Renommé", "version": frais(n).version},
            ),
            ("chef.projet", base + sens + "/", lambda n=noeud: {"version": frais(n).version}),
            ("chef.projet", base + "archiver/", lambda n=noeud: {"version": frais(n).version}),
        ]

    avant, total = etat_base(), totaux(conventions, caf)
    arbre_avant = sorted(Objectif.objects.values_list("pk", "version", "ordre", "archive"))
    for compte, url, donnees in demandes:
        reponse = connecter(compte).post(url, donnees())
        assert reponse.status_code == 403, (compte, url, reponse.status_code)
        assert soumise in texte(reponse) and "soumise au chef de projet" in texte(reponse), url
    assert etat_base() == avant and totaux(conventions, caf) == total
    assert sorted(Objectif.objects.values_list("pk", "version", "ordre", "archive")) == arbre_avant
    # The service itself, whatever route calls it.
    frais(dispositif).archive = True
    with pytest.raises(versions.Verrouille, match="soumise au chef de projet"):
        versions.modifier(comptes["admin"], dispositif, dispositif.version)

    services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "renvoyer", "Le FSL manque")
    for compte, url, donnees in demandes:
        reponse = connecter(compte).post(url, donnees())
        assert reponse.status_code == 302, (compte, url, reponse.status_code)
    dispositif.refresh_from_db()
    assert dispositif.archive and set(dispositif.objectifs.all()) == {objectif, autre_objectif}
