"""The pages of a national partner's agent, in Debian's Chromium at 1 280 and 390 px: with 25 contracts,
the home, the partner page and both lists go contract by contract (20 a page, then the next) without
being wider than the window, and axe-core finds nothing."""

from django.contrib.auth import get_user_model

from contrat.models import Membre, Partenaire

from .navigateur import defauts_de_la_page, se_connecter
from .test_volume_national import _contrat


def test_the_national_agent_s_pages_hold_25_contracts_on_a_phone(live_server, navigateur, transactional_db):
    partenaire = Partenaire.objects.create(nom="France Travail (essai)", sigle="FT", slug="france-travail-essai")
    agent = get_user_model().objects.create_user("agent.ft", "agent.ft@example.org", "mot-de-passe-de-l-essai-42")
    Membre.objects.create(user=agent, partenaire=partenaire, role=Membre.Role.AGENT, contrat=None)
    for i in range(1, 26):
        _contrat(i, partenaire, agent)
    base = live_server.url
    page = navigateur.new_context(locale="fr-FR").new_page()
    se_connecter(page, base, "agent.ft", "mot-de-passe-de-l-essai-42")
    defauts = []
    for chemin in ["/", f"/partenaires/{partenaire.slug}/", "/dispositifs/", "/estimations/?annee=2025"]:
        defauts += defauts_de_la_page(page, f"{base}{chemin}", chemin)
        # The next page of the contracts, by its link, as a person goes on.
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{base}{chemin}")
        suivante = page.get_by_role("link", name="Page suivante")
        assert suivante.count() == 1, chemin
        suivante.click()
        page.wait_for_load_state()
        assert "2 / 2" in page.content(), chemin
    assert defauts == []
