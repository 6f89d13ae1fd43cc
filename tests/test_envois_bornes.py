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
