"""A territory runs itself: the administrateur creates a contract and invites its chef de projet; the
chef keeps perimeter, partners, documents, tree and people; invitations, sign-in by address,
immediate revocation; everything in the history."""

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from contrat import invitations
from contrat.models import (
    Commune,
    Contrat,
    Invitation,
    Membre,
    Objectif,
    Orientation,
    Partenaire,
    PerimetreQuartier,
    Pilier,
    Quartier,
)
from engagements.models import Dispositif
from noyau.models import Historique

User = get_user_model()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def lien_du_courriel(message):
    return re.search(r"http://127\.0\.0\.1:8000(/invitations/\S+/)", message.body).group(1)


@pytest.fixture
def testville(connecter, conventions, django_capture_on_commit_callbacks):
    """The administrateur creates Testville's contract and invites its chef de projet."""
    porteur = Partenaire.objects.create(nom="Testville Agglomération", sigle="TA", slug="testville-agglo")
    admin = connecter("admin")
    with django_capture_on_commit_callbacks(execute=True):
        reponse = admin.post(
            "/contrats/ajouter/",
            {
                "nom": "Contrat de ville de Testville 2024-2030",
                "nature": "contrat_de_ville",
                "territoire": "Testville",
                "porteur": porteur.pk,
                "annee_debut": 2024,
                "annee_fin": 2030,
                "chefs": "Chef.Testville@exemple.fr",
            },
        )
    assert reponse.status_code == 302
    return Contrat.objects.get(nom="Contrat de ville de Testville 2024-2030")


def accepter(client, lien, nom="Camille Martin", mot_de_passe="une-phrase-de-passe-solide"):
    client.logout()
    return client.post(lien, {"nom": nom, "mot_de_passe": mot_de_passe, "confirmation": mot_de_passe})


def test_the_administrateur_creates_a_contract_and_invites_its_chef(testville, connecter):
    assert testville.slug == "contrat-de-ville-de-testville-2024-2030"
    invitation = Invitation.objects.get(contrat=testville)
    assert (invitation.email, invitation.role, invitation.acceptee_le) == (
        "chef.testville@exemple.fr",
        "chef_de_projet",
        None,
    )
    (message,) = mail.outbox
    assert message.to == ["chef.testville@exemple.fr"] and "Testville" in message.subject
    assert "valable 7 jours" in message.body
    assert Historique.objects.filter(objet="contrat", objet_id=testville.pk, action="creation").exists()
    entree = Historique.objects.get(objet="invitation", objet_id=invitation.pk)
    assert entree.user_nom == "admin" and entree.apres["role"] == "chef_de_projet"
    # Only an administrateur creates a contract.
    assert connecter("chef.projet").get("/contrats/ajouter/").status_code == 403
    refus = connecter("admin").post(
        "/contrats/ajouter/", {"nom": "", "annee_debut": 2030, "annee_fin": 2024, "chefs": "pas-une-adresse"}
    )
    texte = refus.content.decode().replace("&#x27;", "'")
    assert "Donnez le nom du contrat." in texte and "« pas-une-adresse » n'est pas une adresse" in texte
    assert "La dernière année doit suivre la première." in texte


def test_the_invited_chef_sets_a_password_signs_in_by_address_and_the_link_dies(testville, client):
    lien = lien_du_courriel(mail.outbox[0])
    assert client.get(lien).status_code == 200
    faible = client.post(lien, {"nom": "Camille", "mot_de_passe": "1234", "confirmation": "1234"})
    assert faible.status_code == 400 and "Ce mot de passe est trop court" in faible.content.decode()
    reponse = accepter(client, lien)
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    chef = User.objects.get(email="chef.testville@exemple.fr")
    assert Membre.objects.get(user=chef).role == "chef_de_projet"
    assert client.get(f"/contrats/{testville.slug}/membres/").status_code == 200  # signed in, and chef
    assert Invitation.objects.get(contrat=testville).acceptee_le is not None
    # The same link again: refused in French.
    client.logout()
    reutilise = client.get(lien)
    assert reutilise.status_code == 410 and "Cette invitation a déjà servi" in reutilise.content.decode()
    # Signing in with the address (the login page, as a person does).
    for adresse in ("chef.testville@exemple.fr", "CHEF.TESTVILLE@exemple.fr"):
        client.logout()
        entree = client.post("/connexion/", {"username": adresse, "password": "une-phrase-de-passe-solide"})
        assert entree.status_code == 302 and entree["Location"] == "/", adresse
    client.logout()
    assert (
        client.post("/connexion/", {"username": "chef.testville@exemple.fr", "password": "mauvais"}).status_code == 200
    )


def test_forged_and_expired_links_are_refused_in_french_and_a_new_one_can_be_asked(
    testville, client, django_capture_on_commit_callbacks
):
    lien = lien_du_courriel(mail.outbox[0])
    jeton = lien.split("/")[2]
    falsifie = client.get(f"/invitations/{jeton[:-2]}xy/")
    assert falsifie.status_code == 410 and "n'est pas valide" in falsifie.content.decode().replace("&#x27;", "'")
    invitation = Invitation.objects.get(contrat=testville)

    class Ancien(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(signing.time.time() - timedelta(days=8).total_seconds()))

    vieux = Ancien(salt=invitations.SEL).sign_object({"i": invitation.pk, "j": invitation.jeton})
    expire = client.get(f"/invitations/{vieux}/")
    assert expire.status_code == 410 and "a expiré" in expire.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        nouveau = client.post(f"/invitations/{vieux}/nouveau-lien/")
    assert nouveau.status_code == 200 and "Un nouveau lien" in nouveau.content.decode()
    assert mail.outbox[-1].to == ["chef.testville@exemple.fr"]
    # The first link now names the newer one; the newest works.
    assert "Un lien plus récent" in client.get(lien).content.decode()
    assert client.get(lien_du_courriel(mail.outbox[-1])).status_code == 200


def test_an_address_with_an_account_is_offered_the_role_and_holds_it_once_accepted(
    testville, connecter, comptes, django_capture_on_commit_callbacks
):
    """No instant role: the CAF added to a new contract brings none of its agents; the one invited accepts."""
    caf = Partenaire.objects.get(slug="caf-21")
    chef = connecter("admin")  # an administrateur may manage any contract
    chef.post(f"/contrats/{testville.slug}/partenaires/{caf.pk}/ajouter/")
    agent = Client()
    agent.force_login(comptes["agent.caf"])
    assert agent.get(f"/contrats/{testville.slug}/").status_code == 404  # a partner, but not its agents
    comptes_avant = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        chef.post(
            f"/contrats/{testville.slug}/membres/",
            {"email": "AGENT.CAF@example.org", "role": "agent", "partenaire": caf.pk},
        )
    assert User.objects.count() == comptes_avant
    assert not Membre.objects.filter(user=comptes["agent.caf"], contrat=testville).exists()
    assert "Un rôle vous est proposé" in mail.outbox[-1].subject and "acceptez" in mail.outbox[-1].body
    assert agent.get(f"/contrats/{testville.slug}/").status_code == 404  # offered, not yet held
    # The link, signed out, asks to sign in; signed in as someone else, it is refused.
    lien = lien_du_courriel(mail.outbox[-1])
    assert Client().get(lien)["Location"].startswith("/connexion/?next=")
    autre = Client()
    autre.force_login(comptes["lecteur"])
    assert autre.get(lien).status_code == 403 and autre.post(lien, {"reponse": "accepter"}).status_code == 403
    # The home page offers it; accepting gives the role, in this contract, in its history.
    accueil = agent.get("/").content.decode()
    invitation = Invitation.objects.get(contrat=testville, email="agent.caf@example.org")
    assert 'id="invitations-en-attente"' in accueil and testville.nom in accueil
    assert agent.post(f"/invitations/{invitation.pk}/repondre/", {"reponse": "accepter"}).status_code == 302
    membre = Membre.objects.get(user=comptes["agent.caf"], contrat=testville)
    assert membre.role == "agent" and membre.actif
    assert agent.get(f"/contrats/{testville.slug}/").status_code == 200
    assert Historique.objects.filter(contrat_id=testville.pk, objet="membre", action="creation").exists()
    # Accepted once: the link and the button now say so and give nothing more.
    assert agent.post(f"/invitations/{invitation.pk}/repondre/", {"reponse": "accepter"}).status_code == 404
    assert Membre.objects.filter(user=comptes["agent.caf"], contrat=testville).count() == 1


def test_an_offered_role_can_be_declined(testville, connecter, comptes, django_capture_on_commit_callbacks):
    chef = connecter("admin")
    porteur = testville.porteur
    chef.post(
        f"/contrats/{testville.slug}/membres/",
        {"email": "lecteur@example.org", "role": "chef_de_projet", "partenaire": porteur.pk},
    )
    invitation = Invitation.objects.get(contrat=testville, email="lecteur@example.org")
    lecteur = Client()
    lecteur.force_login(comptes["lecteur"])
    page = lecteur.get(invitations._lien(invitation))
    assert page.status_code == 200 and "Accepter ce rôle" in page.content.decode()
    assert lecteur.post(f"/invitations/{invitation.pk}/repondre/", {"reponse": "decliner"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoquee and not Membre.objects.filter(user=comptes["lecteur"], contrat=testville).exists()


def test_an_agent_invited_in_one_contract_enters_lines_there_only(
    testville, connecter, comptes, django_capture_on_commit_callbacks
):
    """An invitation gives a role in its contract: not the organisation's rights everywhere."""
    caf = Partenaire.objects.get(slug="caf-21")
    admin = connecter("admin")
    admin.post(f"/contrats/{testville.slug}/partenaires/{caf.pk}/ajouter/")
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            f"/contrats/{testville.slug}/membres/",
            {"email": "nouvelle.agente@caf.fr", "role": "agent", "partenaire": caf.pk},
        )
    client = connecter(None)
    accepter(client, lien_du_courriel(mail.outbox[-1]))
    assert client.get(f"/contrats/{testville.slug}/dispositifs/ajouter/").status_code == 200
    ligne_dijon = Dispositif.objects.get(contrat__slug="grand-dijon", code="caf-2015-06")
    assert client.get(f"/dispositifs/{ligne_dijon.pk}/modifier/").status_code in (403, 404)
    assert client.get("/contrats/grand-dijon/").status_code == 404


def test_revocation_is_immediate(testville, connecter, django_capture_on_commit_callbacks):
    admin = connecter("admin")
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            f"/contrats/{testville.slug}/membres/",
            {"email": "elu@testville.fr", "role": "lecteur", "partenaire": testville.porteur_id},
        )
    from django.test import Client

    lecteur = Client()
    accepter(lecteur, lien_du_courriel(mail.outbox[-1]))
    assert lecteur.get(f"/contrats/{testville.slug}/").status_code == 200
    assert lecteur.get(f"/contrats/{testville.slug}/membres/").status_code == 403
    membre = Membre.objects.get(user__email="elu@testville.fr")
    admin.post(f"/contrats/{testville.slug}/membres/{membre.pk}/revoquer/", {"version": membre.version})
    assert lecteur.get(f"/contrats/{testville.slug}/").status_code == 404
    entree = Historique.objects.filter(objet="membre", objet_id=membre.pk, action="modification").get()
    assert entree.avant["actif"] is True and entree.apres["actif"] is False


def test_the_chef_keeps_the_perimeter_in_the_history(testville, connecter):
    admin = connecter("admin")
    url = f"/contrats/{testville.slug}/perimetre/"
    admin.post(url + "communes/ajouter/", {"commune-nom": "Testville"})
    commune = Commune.objects.get(nom="Testville")
    assert list(Contrat.objects.get(pk=testville.pk).communes.all()) == [commune]

    def quartier(nom, nature="prioritaire", code=""):
        return {"quartier-nom": nom, "quartier-commune": commune.pk, "quartier-nature": nature, "quartier-code": code}

    admin.post(url + "quartiers/ajouter/", quartier("Les Tilleuls", code="qn02101m"))
    admin.post(url + "quartiers/ajouter/", quartier("Le Centre"))
    lien = PerimetreQuartier.objects.get(contrat=testville, quartier__nom="Les Tilleuls")
    assert lien.code == lien.quartier.code == "QN02101M"
    double = admin.post(url + "quartiers/ajouter/", quartier("les tilleuls", "veille"))
    assert double.status_code == 400 and "Ce quartier figure déjà dans le périmètre" in double.content.decode()
    mauvais = admin.post(url + "quartiers/ajouter/", quartier("X", code="QN 02!"))
    assert (
        mauvais.status_code == 400
        and "Un code officiel s&#x27;écrit en lettres et chiffres" in mauvais.content.decode()
    )
    assert admin.post(url + f"quartiers/{lien.pk}/retirer/", {"version": lien.version}).status_code == 302
    assert not PerimetreQuartier.objects.filter(pk=lien.pk).exists()
    natures = set(Historique.objects.filter(contrat_id=testville.pk).values_list("objet", "action"))
    assert {("perimetre", "creation"), ("perimetre", "suppression"), ("contrat", "modification")} <= natures


def test_partners_are_searched_first_and_never_duplicated(testville, connecter):
    admin = connecter("admin")
    url = f"/contrats/{testville.slug}/partenaires/"
    recherche = admin.get(url + "?q=allocations")
    assert "caf-21" in [p.slug for p in recherche.context["trouves"]]
    double = admin.post(
        url, {"nom": "caisse d'allocations familiales de la côte-d'or", "sigle": "CAF", "nature": "autre"}
    )
    assert double.status_code == 400 and "existe déjà" in double.content.decode()
    admin.post(
        url,
        {
            "nom": "Mission locale de Testville",
            "sigle": "ML Testville",
            "nature": "association",
            "siren": "123 456 789",
        },
    )
    mission = Partenaire.objects.get(nom="Mission locale de Testville")
    assert mission.siren == "123456789" and mission in Partenaire.objects.du_contrat(testville)
    meme_siren = admin.post(url, {"nom": "Autre nom", "sigle": "AN", "nature": "autre", "siren": "123456789"})
    assert "porte déjà ce SIREN" in meme_siren.content.decode()
    entree = Historique.objects.filter(objet="contrat", objet_id=testville.pk, action="modification").latest("pk")
    assert mission.pk in entree.apres["partenaires"]


def test_the_tree_is_added_renamed_reordered_and_archived_never_deleted(testville, connecter):
    admin = connecter("admin")
    url = f"/contrats/{testville.slug}/arbre/"
    admin.post(url + "pilier/ajouter/", {"code": "1", "intitule": "Cohésion sociale"})
    admin.post(url + "pilier/ajouter/", {"code": "2", "intitule": "Cadre de vie"})
    premier, second = Pilier.objects.filter(contrat=testville).order_by("ordre")
    admin.post(url + "orientation/ajouter/", {"parent": premier.pk, "code": "1.1", "intitule": "Réussite éducative"})
    orientation = Orientation.objects.get(pilier=premier)
    admin.post(url + "objectif/ajouter/", {"parent": orientation.pk, "code": "a", "intitule": "Soutenir les familles"})
    objectif = Objectif.objects.get(orientation=orientation)
    admin.post(
        url + f"objectif/{objectif.pk}/modifier/",
        {"code": "a", "intitule": "Soutenir la parentalité", "version": objectif.version},
    )
    objectif.refresh_from_db()
    assert objectif.intitule == "Soutenir la parentalité" and objectif.version == 2
    second.refresh_from_db()
    admin.post(url + f"pilier/{second.pk}/monter/", {"version": second.version})
    assert list(Pilier.objects.filter(contrat=testville).order_by("ordre").values_list("pk", flat=True)) == [
        second.pk,
        premier.pk,
    ]
    # A second click on the page as it was moves nothing more (409).
    assert admin.post(url + f"pilier/{second.pk}/monter/", {"version": second.version}).status_code == 409
    # « Archiver » posted twice (a double click, two tabs) archives once: the second answers 409, not unarchives.
    page = admin.get(url).content.decode()
    assert f'action="/contrats/{testville.slug}/arbre/objectif/{objectif.pk}/archiver/"' in page
    premier_clic = admin.post(url + f"objectif/{objectif.pk}/archiver/", {"version": objectif.version})
    second_clic = admin.post(url + f"objectif/{objectif.pk}/archiver/", {"version": objectif.version})
    assert (premier_clic.status_code, second_clic.status_code) == (302, 409)
    assert "rien n'a été fait" in second_clic.content.decode().replace("&#x27;", "'")
    assert admin.post(url + f"objectif/{objectif.pk}/archiver/").status_code == 409  # no version: nothing done
    objectif.refresh_from_db()
    assert objectif.archive and Objectif.objects.filter(pk=objectif.pk).exists()
    # An archived objectif is no longer offered to a new line.
    formulaire = admin.get(f"/contrats/{testville.slug}/dispositifs/ajouter/")
    assert objectif.pk not in [o.pk for o in formulaire.context["form"].fields["objectifs"].queryset]
    # Another contract's item is not reachable from this one.
    autre = Objectif.objects.filter(orientation__pilier__contrat__slug="grand-dijon").first()
    assert admin.post(url + f"objectif/{autre.pk}/archiver/").status_code == 404
    assert Historique.objects.filter(objet="objectif", objet_id=objectif.pk).count() == 3  # created, renamed, archived


def test_documents_are_checked_by_content_and_signatories_added(testville, connecter):
    admin = connecter("admin")
    url = f"/contrats/{testville.slug}/documents/"
    faux = admin.post(
        url,
        {
            "titre": "Contrat cadre",
            "nature": "contrat_cadre",
            "fichier": SimpleUploadedFile("contrat.pdf", b"<html>pas un pdf</html>", "application/pdf"),
        },
    )
    assert faux.status_code == 400 and "Ce fichier n&#x27;est pas un PDF" in faux.content.decode()
    admin.post(
        url,
        {
            "titre": "Contrat cadre",
            "nature": "contrat_cadre",
            "annee_debut": 2024,
            "annee_fin": 2030,
            "fichier": SimpleUploadedFile("contrat.pdf", PDF, "application/pdf"),
        },
    )
    document = testville.documents.get()
    assert document.fichier.read() == PDF
    admin.post(
        f"/contrats/{testville.slug}/signataires/ajouter/",
        {
            "document": document.pk,
            "partenaire": testville.porteur_id,
            "representant": "Mme la Présidente",
            "qualite": "Présidente de Testville Agglomération",
        },
    )
    assert document.signataires.get().representant == "Mme la Présidente"
    assert Historique.objects.filter(objet="signataire", action="creation", contrat_id=testville.pk).exists()


def test_a_new_contract_builds_its_tree_from_a_partner_s_annexe_workbook(testville, connecter):
    from tests.classeurs import annexe_simple, en_octets

    admin = connecter("admin")
    caf = Partenaire.objects.get(slug="caf-21")
    admin.post(f"/contrats/{testville.slug}/partenaires/{caf.pk}/ajouter/")
    classeur = en_octets(
        annexe_simple(
            [
                (
                    "Pilier Cohésion sociale",
                    "1 - RÉUSSITE ÉDUCATIVE",
                    "1-a) Soutenir les familles",
                    "CAF",
                    "CLAS",
                    "",
                    231000,
                    "",
                    693000,
                ),
            ],
            annee=2024,
            periode="2024-2026",
        )
    )
    apercu = admin.post(
        f"/contrats/{testville.slug}/annexe-financiere/importer/",
        {"partenaire": caf.slug, "fichier": SimpleUploadedFile("annexe.xlsx", classeur)},
    )
    assert apercu.status_code == 200, apercu.content.decode()[:500]
    objet = apercu.context["import"]
    fin = admin.post(f"/imports/{objet.pk}/confirmer/", {"empreinte": apercu.context["rapport"].empreinte})
    assert fin.status_code == 302
    assert [p.intitule for p in Pilier.objects.filter(contrat=testville)] == ["Cohésion sociale"]
    assert Dispositif.objects.get(contrat=testville).estimations.get(annee=2024).montant_annuel == 231000


def test_the_chef_resends_or_cancels_an_invitation(testville, connecter, client, django_capture_on_commit_callbacks):
    invitation = Invitation.objects.get(contrat=testville)
    premier = lien_du_courriel(mail.outbox[0])
    admin = connecter("admin")
    renvoyer = f"/contrats/{testville.slug}/invitations/{invitation.pk}/renvoyer/"
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(renvoyer, {"version": invitation.version})
        assert admin.post(renvoyer, {"version": invitation.version}).status_code == 409  # a double click: one link
    assert len(mail.outbox) == 2
    second = lien_du_courriel(mail.outbox[-1])
    assert second != premier
    client.logout()
    assert "Un lien plus récent" in client.get(premier).content.decode()
    assert client.get(second).status_code == 200
    invitation.refresh_from_db()
    connecter("admin").post(
        f"/contrats/{testville.slug}/invitations/{invitation.pk}/revoquer/", {"version": invitation.version}
    )
    client.logout()
    annulee = client.get(second)
    assert annulee.status_code == 410 and "Cette invitation a été annulée" in annulee.content.decode()
    actions = list(
        Historique.objects.filter(objet="invitation", objet_id=invitation.pk).values_list("action", flat=True)
    )
    assert sorted(actions) == ["creation", "modification", "modification"]


def test_the_chef_changes_the_contract_s_details_and_period(testville, connecter):
    admin = connecter("admin")
    url = f"/contrats/{testville.slug}/modifier/"
    donnees = {
        "nom": testville.nom,
        "nature": "contrat_de_ville",
        "territoire": "Testville et environs",
        "porteur": testville.porteur_id,
        "annee_debut": 2024,
        "annee_fin": 2030,
        "annee_fin_prolongation": 2032,
        "date_signature": "2024-06-30",
        "version": 1,
    }
    assert admin.post(url, donnees).status_code == 302
    testville.refresh_from_db()
    assert (testville.territoire, testville.annee_fin_effective, testville.version) == (
        "Testville et environs",
        2032,
        2,
    )
    perime = admin.post(url, {**donnees, "territoire": "Autre", "version": 1})
    assert perime.status_code == 409
    faux = admin.post(url, {**donnees, "annee_fin_prolongation": 2026, "version": 2})
    assert "Une prolongation va au-delà de la dernière année." in faux.content.decode()


def test_an_invited_person_resets_a_forgotten_password_by_address(
    testville, client, django_capture_on_commit_callbacks
):
    accepter(client, lien_du_courriel(mail.outbox[0]))
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):  # the mail leaves after the response
        client.post("/mot-de-passe/oubli/", {"email": "chef.testville@exemple.fr"})
    assert mail.outbox[-1].to == ["chef.testville@exemple.fr"]
    assert "/mot-de-passe/nouveau/" in mail.outbox[-1].body


def test_an_agent_invited_in_one_contract_is_not_told_about_another(
    testville, connecter, comptes, django_capture_on_commit_callbacks
):
    from engagements import services

    caf = Partenaire.objects.get(slug="caf-21")
    admin = connecter("admin")
    admin.post(f"/contrats/{testville.slug}/partenaires/{caf.pk}/ajouter/")
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            f"/contrats/{testville.slug}/membres/",
            {"email": "nouvelle.agente@caf.fr", "role": "agent", "partenaire": caf.pk},
        )
    accepter(connecter(None), lien_du_courriel(mail.outbox[-1]))
    grand_dijon = Contrat.objects.get(slug="grand-dijon")
    services.changer_statut(comptes["agent.caf"], grand_dijon, caf, 2015, "soumettre")
    with django_capture_on_commit_callbacks(execute=True):
        services.changer_statut(comptes["chef.projet"], grand_dijon, caf, 2015, "valider")
    assert mail.outbox[-1].to == ["agent.caf@example.org"]  # not the agent of Testville only


def test_a_double_click_makes_one_contract_and_one_invitation(
    connecter, conventions, django_capture_on_commit_callbacks
):
    porteur = Partenaire.objects.create(nom="Doubleville Agglo", sigle="DA", slug="doubleville")
    admin = connecter("admin")
    donnees = {
        "nom": "Contrat de Doubleville",
        "nature": "contrat_de_ville",
        "territoire": "Doubleville",
        "porteur": porteur.pk,
        "annee_debut": 2024,
        "annee_fin": 2030,
        "chefs": "chef@doubleville.fr",
        "jeton": "un-jeton-de-creation",
    }
    with django_capture_on_commit_callbacks(execute=True):
        admin.post("/contrats/ajouter/", donnees)
        second = admin.post("/contrats/ajouter/", donnees, follow=True)
    assert "Ce formulaire avait déjà été envoyé" in second.content.decode()
    assert Contrat.objects.filter(nom="Contrat de Doubleville").count() == 1
    contrat = Contrat.objects.get(nom="Contrat de Doubleville")
    assert contrat.invitations.count() == 1 and len(mail.outbox) == 1
    # Inviting the same person again while the link is pending: « renvoyez-la plutôt ».
    encore = admin.post(
        f"/contrats/{contrat.slug}/membres/",
        {"email": "chef@doubleville.fr", "role": "chef_de_projet", "partenaire": porteur.pk},
    )
    assert encore.status_code == 400 and "Une invitation est déjà en attente" in encore.content.decode()
    assert contrat.invitations.count() == 1


def test_a_commune_or_quartier_typed_by_mistake_is_removed_while_nothing_uses_it(testville, connecter):
    """« Dijonn » added by mistake: « Retirer » takes it out of the perimeter, in the history, and the row goes
    since nothing uses it; a commune with quartiers of the perimeter is not taken out; a commune another
    contract holds stays for that contract; a quartier typed by mistake goes with its link."""
    admin = connecter("admin")
    url = f"/contrats/{testville.slug}/perimetre/"

    def version():
        return Contrat.objects.get(pk=testville.pk).version

    admin.post(url + "communes/ajouter/", {"commune-nom": "Dijonn"})
    admin.post(url + "communes/ajouter/", {"commune-nom": "Testville"})
    faute, testville_c = Commune.objects.get(nom="Dijonn"), Commune.objects.get(nom="Testville")
    assert "Dijonn" in connecter("admin").get(url).content.decode()
    lue = version()
    assert admin.post(url + f"communes/{faute.pk}/retirer/", {"version": lue}).status_code == 302
    assert not Commune.objects.filter(nom="Dijonn").exists()
    assert list(Contrat.objects.get(pk=testville.pk).communes.all()) == [testville_c]
    assert Historique.objects.filter(contrat_id=testville.pk, objet="contrat", action="modification").exists()
    # The same button on the stale page: 409, nothing changes.
    assert admin.post(url + f"communes/{testville_c.pk}/retirer/", {"version": lue}).status_code == 409

    # A quartier typed by mistake goes with its link; its commune, holding it, could not go before.
    admin.post(
        url + "quartiers/ajouter/",
        {"quartier-nom": "Les Tilleulls", "quartier-commune": testville_c.pk, "quartier-nature": "prioritaire"},
    )
    lien = PerimetreQuartier.objects.get(contrat=testville, quartier__nom="Les Tilleulls")
    refus = admin.post(url + f"communes/{testville_c.pk}/retirer/", {"version": version()}, follow=True)
    assert "Retirez d'abord les quartiers de Testville" in html.unescape(refus.content.decode())
    assert admin.post(url + f"quartiers/{lien.pk}/retirer/", {"version": lien.version}).status_code == 302
    assert not Quartier.objects.filter(nom="Les Tilleulls").exists()

    # Dijon is grand-dijon's too: taken out of Testville's perimeter, it stays for grand-dijon.
    admin.post(url + "communes/ajouter/", {"commune-nom": "dijon"})
    dijon = Commune.objects.get(nom__iexact="dijon", contrats__slug="grand-dijon")
    assert admin.post(url + f"communes/{dijon.pk}/retirer/", {"version": version()}).status_code == 302
    assert (
        Commune.objects.filter(pk=dijon.pk).exists() and dijon in Contrat.objects.get(slug="grand-dijon").communes.all()
    )


def test_a_new_chef_s_home_guides_the_set_up_step_by_step(testville, connecter):
    """The chef of a contract just created sees its five set-up steps with their state, each with its page;
    a step done says so; once all are done, the list goes."""
    from django.contrib.auth import get_user_model

    from contrat.models import Membre

    chef = get_user_model().objects.create_user("chef.testville", "chef.testville@exemple.fr", "un mot de passe 2026")
    Membre.objects.create(user=chef, partenaire=testville.porteur, role="chef_de_projet", contrat=testville)
    client = Client()
    client.force_login(chef)

    def etapes():
        page = html.unescape(client.get("/").content.decode())
        if f'id="mise-en-route-{testville.slug}"' not in page:
            return None
        bloc = page[page.index(f'id="mise-en-route-{testville.slug}"') :]
        bloc = bloc[: bloc.index("</ol>")]
        return re.findall(r"fr-badge--(success|warning)\">(?:fait|à faire)</span>\s*<a href=\"([^\"]+)\"", bloc)

    depart = etapes()
    etats = [etat for etat, _ in depart]
    # Nothing in the perimeter, the tree or the campaigns yet (the porteur alone is no partnership).
    assert (etats[0], etats[1], etats[2], etats[4]) == ("warning", "warning", "warning", "warning")
    assert [lien for _, lien in depart] == [
        f"/contrats/{testville.slug}/perimetre/",
        f"/contrats/{testville.slug}/partenaires/",
        f"/contrats/{testville.slug}/arbre/",
        f"/contrats/{testville.slug}/membres/",
        f"/contrats/{testville.slug}/collectes/ouvrir/",
    ]
    client.post(f"/contrats/{testville.slug}/perimetre/communes/ajouter/", {"commune-nom": "Testville"})
    commune = testville.communes.get()
    client.post(
        f"/contrats/{testville.slug}/perimetre/quartiers/ajouter/",
        {"quartier-nom": "Le Centre", "quartier-commune": commune.pk, "quartier-nature": "prioritaire"},
    )
    assert etapes()[0][0] == "success"
