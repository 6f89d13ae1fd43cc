"""`/consolidation/` in Debian's Chromium at 1 280 and 390 px, for a région's SGAR reading 25 contracts and a
network's direction: no page wider than the window, axe-core finds nothing, amounts aligned, and the contracts
go 20 a page, the next one by its link."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from contrat.models import Commune, Contrat, Habilitation, Partenaire

from .navigateur import defauts_de_la_page, se_connecter
from .test_volume_national import _contrat

MOT_DE_PASSE = "mot-de-passe-de-l-essai-42"


def _role(identifiant, **portee):
    user = get_user_model().objects.create_user(identifiant, f"{identifiant}@example.org", MOT_DE_PASSE)
    Habilitation.objects.create(
        email=user.email, user=user, envoyee_le=timezone.now(), acceptee_le=timezone.now(), **portee
    )
    return user


def test_the_consolidation_holds_25_contracts_on_a_phone(live_server, navigateur, transactional_db):
    national = Partenaire.objects.create(nom="France Travail (essai)", sigle="FT", slug="france-travail-essai")
    agent = get_user_model().objects.create_user("agent.ft", "agent.ft@example.org", MOT_DE_PASSE)
    beaune = Commune.objects.create(nom="Beaune", slug="beaune", code_insee="21054")
    for i in range(1, 26):
        _contrat(i, national, agent).communes.add(beaune)
    _role("sgar.27", niveau="region", code="27")
    _role("reseau.ft", niveau="reseau", partenaire=national)
    base = live_server.url
    defauts = []
    for identifiant in ("sgar.27", "reseau.ft"):
        page = navigateur.new_context(locale="fr-FR").new_page()
        se_connecter(page, base, identifiant, MOT_DE_PASSE)
        for chemin in ["/consolidation/?annee=2025", "/consolidation/?annee=2025&nature=bilan&region=27"]:
            defauts += defauts_de_la_page(page, f"{base}{chemin}", f"{identifiant} {chemin}")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{base}/consolidation/?annee=2025")
        lus = Contrat.objects.filter(communes__region="27").distinct() if identifiant == "sgar.27" else range(25)
        assert f"Contrats ({len(lus)})" in page.content()
        page.get_by_role("navigation", name="Pages des contrats").get_by_role("link", name="Page suivante").click()
        page.wait_for_load_state()
        assert "2 / 2" in page.content() and "Contrat de ville n° 9" in page.content()
        page.close()
    assert defauts == []


def test_the_roles_page_and_the_invitee_s_link_on_a_phone(live_server, navigateur, transactional_db):
    """The administrateur's page of the roles across contracts, and the link an invited DDETS opens without an
    account: both fit the phone and pass axe; the invitee creates its account and lands on the consolidation."""
    from contrat import habilitations

    admin = get_user_model().objects.create_superuser("admin.essai", "admin.essai@example.org", MOT_DE_PASSE)
    habilitation = habilitations.inviter(admin, "ddets.essai@example.org", "departement", "21", service="DDETS 21")
    base = live_server.url
    page = navigateur.new_context(locale="fr-FR").new_page()
    se_connecter(page, base, "admin.essai", MOT_DE_PASSE)
    defauts = defauts_de_la_page(page, f"{base}/consolidation/roles/", "rôles")
    page.close()
    invite = navigateur.new_context(locale="fr-FR").new_page()
    lien = habilitations._lien(habilitation)
    defauts += defauts_de_la_page(invite, f"{base}{lien}", "lien de l'invité", connecte=False)
    invite.set_viewport_size({"width": 390, "height": 844})
    invite.goto(f"{base}{lien}")
    invite.get_by_label("Prénom et nom").fill("Camille Martin")
    invite.locator('[name="mot_de_passe"]').fill("un-long-mot-de-passe-42")
    invite.get_by_label("Confirmation du mot de passe").fill("un-long-mot-de-passe-42")
    invite.get_by_role("button", name="Créer mon compte").click()
    invite.wait_for_url(f"{base}/consolidation/")
    assert "Consolidation des contrats" in invite.content()
    assert defauts == []
