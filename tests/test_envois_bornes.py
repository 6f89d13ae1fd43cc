"""Pages anyone can post to send no flood: a new invitation link and a password reset go to one address at
most ENVOIS_PAR_ADRESSE_ET_HEURE times an hour, and the reset page answers alike for any address."""

import html
import re

from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from contrat.models import Invitation, Partenaire
from noyau.models import Courriel


def _lien(courriel):
    return re.search(r"(/invitations/\S+/)", courriel.corps).group(1)


def test_ten_requests_for_a_new_invitation_link_send_at_most_the_bound(connecter, conventions):
    chef = connecter("chef.projet")
    caf = Partenaire.objects.get(slug="caf-21")
    chef.post("/contrats/grand-dijon/membres/", {"email": "nouvelle@caf.fr", "role": "agent", "partenaire": caf.pk})
    invitation = Invitation.objects.get(email="nouvelle@caf.fr")
    premier = _lien(Courriel.objects.get(nature="invitation", destinataires=["nouvelle@caf.fr"]))
    chef.post(
        f"/contrats/grand-dijon/invitations/{invitation.pk}/renvoyer/", {"version": invitation.version}
    )  # the first link dies
    anonyme = Client()
    reponses = [anonyme.post(premier + "nouveau-lien/") for _ in range(10)]
    borne = settings.ENVOIS_PAR_ADRESSE_ET_HEURE
    assert [r.status_code for r in reponses] == [200] * (borne - 1) + [429] * (11 - borne)
    assert "liens sont déjà partis vers l'adresse de cette invitation dans l'heure" in html.unescape(
        reponses[-1].content.decode()
    )
    assert "nouvelle@caf.fr" not in reponses[-1].content.decode()
    envoyes = Courriel.objects.filter(nature="invitation").order_by("pk")
    assert envoyes.count() == 1 + borne  # the invitation, then the bound's new links, whoever asked
    # The chef's own button is bounded as well, and says so; the last link sent still opens.
    invitation.refresh_from_db()
    refus = chef.post(
        f"/contrats/grand-dijon/invitations/{invitation.pk}/renvoyer/", {"version": invitation.version}, follow=True
    )
    assert "dans l'heure : rien n'est renvoyé" in html.unescape(refus.content.decode())
    assert Courriel.objects.filter(nature="invitation").count() == 1 + borne
    assert anonyme.get(_lien(envoyes.last())).status_code == 200


def test_ten_password_resets_for_one_address_send_at_most_the_bound(
    client, comptes, django_capture_on_commit_callbacks
):
    for _ in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            reponse = client.post("/mot-de-passe/oubli/", {"email": "Agent.caf@example.org"})
        assert reponse.status_code == 302 and reponse["Location"] == "/mot-de-passe/oubli/envoye/"
    assert len(mail.outbox) == settings.ENVOIS_PAR_ADRESSE_ET_HEURE
    assert {tuple(m.to) for m in mail.outbox} == {("agent.caf@example.org",)}
    assert "/mot-de-passe/nouveau/" in mail.outbox[0].body


def test_the_reset_page_answers_a_known_and_an_unknown_address_alike(
    client, comptes, django_capture_on_commit_callbacks
):
    vus, rappels = {}, []
    for adresse in ("agent.caf@example.org", "personne@example.org"):
        with django_capture_on_commit_callbacks() as apres, CaptureQueriesContext(connection) as requetes:
            reponse = client.post("/mot-de-passe/oubli/", {"email": adresse})
        # What the request itself does: the same answer and the same queries — none looks the account up.
        vus[adresse] = (
            reponse.status_code,
            reponse["Location"],
            len(requetes),
            any("auth_user" in q["sql"] for q in requetes.captured_queries),
        )
        assert mail.outbox == [] and len(apres) == 1  # nothing is sent before the response: it is queued
        rappels.append(apres[0])
    for rappel in rappels:
        rappel()
    assert vus["agent.caf@example.org"] == vus["personne@example.org"]
    assert vus["personne@example.org"][3] is False
    assert [m.to for m in mail.outbox] == [["agent.caf@example.org"]]  # then the task sends the known one's


def test_fifty_resets_from_one_client_for_fifty_addresses_pass_at_most_the_client_s_bound(
    client, comptes, django_capture_on_commit_callbacks
):
    """One client asks for 50 addresses (each under its own bound): at most the client's bound are counted and
    queued; the others get the same answer, and store nothing — no count, no task."""
    from noyau.models import Demande

    borne = settings.ENVOIS_PAR_CLIENT_ET_HEURE
    assert borne < 50
    taches = 0
    reponses = []
    for i in range(50):
        with django_capture_on_commit_callbacks() as apres:
            reponses.append(client.post("/mot-de-passe/oubli/", {"email": f"inconnu{i}@example.org"}))
        taches += len(apres)
    assert {(r.status_code, r["Location"]) for r in reponses} == {(302, "/mot-de-passe/oubli/envoye/")}
    assert taches == borne
    assert Demande.objects.count() == 2 * borne  # one count per address and one per client, for those passed
    # Another client is not held by the first one's bound.
    autre = Client(REMOTE_ADDR="192.0.2.7")
    with django_capture_on_commit_callbacks() as apres:
        autre.post("/mot-de-passe/oubli/", {"email": "encore@example.org"})
    assert len(apres) == 1


def test_old_counts_are_purged_as_new_requests_come(client, comptes):
    from datetime import timedelta

    from django.utils import timezone

    from noyau.models import Demande

    client.post("/mot-de-passe/oubli/", {"email": "un@example.org"})
    Demande.objects.update(faite_le=timezone.now() - timedelta(hours=2))
    client.post("/mot-de-passe/oubli/", {"email": "deux@example.org"})
    assert Demande.objects.filter(faite_le__lt=timezone.now() - timedelta(hours=1)).count() == 0
    assert Demande.objects.count() == 2


def test_new_invitation_links_are_bounded_per_client_too(conventions, comptes, settings):
    """An anonymous client holding expired links of many invitations: past its own bound, no link leaves."""
    from contrat import invitations
    from contrat.models import Invitation

    settings.ENVOIS_PAR_CLIENT_ET_HEURE = 2
    caf = Partenaire.objects.get(slug="caf-21")
    chef = comptes["chef.projet"]
    liens = []
    for i in range(4):
        invitation = invitations.inviter(chef, conventions, f"personne{i}@caf.fr", "agent", caf)
        premier = _lien(Courriel.objects.filter(destinataires=[f"personne{i}@caf.fr"]).get())
        invitations.renvoyer(chef, Invitation.objects.get(pk=invitation.pk))  # the first link dies
        liens.append(premier)
    anonyme = Client()
    statuts = [anonyme.post(lien + "nouveau-lien/").status_code for lien in liens]
    assert statuts == [200, 200, 429, 429]
    dernier = anonyme.post(liens[-1] + "nouveau-lien/")
    assert "depuis votre poste" in html.unescape(dernier.content.decode())
