"""The yearly follow-up of a commitment that is not an amount, in a real browser (Debian's Chromium):
the CAF's agent gives a commitment of its 2016-2017 convention its measure and says it was partly
kept, on a phone's width; the chef de projet validates it. axe-core and no overflow on each page."""

import re

from engagements.models import EngagementReciproque
from tenues.models import Tenue

from .navigateur import se_connecter
from .test_navigateur_campagne import TELEPHONE, accessible, rien_ne_deborde, sortir


def test_a_commitment_measured_reported_on_a_phone_and_validated(live_server, comptes, navigateur):
    base = live_server.url
    engagement = (
        EngagementReciproque.objects.filter(
            article__document__slug="convention-caf-2016-2017", partenaire__slug="caf-21"
        )
        .order_by("article__ordre", "ordre")
        .first()
    )
    cle = f"r{engagement.pk}"
    page = navigateur.new_context(locale="fr-FR", viewport=TELEPHONE).new_page()

    se_connecter(page, base, "agent.caf")
    page.goto(f"{base}/contrats/grand-dijon/")
    page.get_by_role("link", name="Suivi des engagements non financiers").click()
    page.wait_for_url(re.compile(r".*/engagements-non-financiers/2022/$"))
    page.get_by_role("link", name="2016").click()
    page.wait_for_url(re.compile(r".*/engagements-non-financiers/2016/$"))
    bloc = page.locator(f"#{cle}")
    bloc.get_by_label("Mesure (indicateur)").fill("Nombre de communes destinataires des données")
    bloc.get_by_label("Cible").fill("24 communes")
    bloc.get_by_label("En 2016, l'engagement a-t-il été tenu ?").select_option(label="Partiellement tenu")
    bloc.get_by_label("Valeur atteinte en 2016").fill("18 communes")
    bloc.get_by_label("Commentaire sur 2016").fill("Six communes restent à équiper.")
    rien_ne_deborde(page)
    accessible(page)
    page.get_by_role("button", name="Enregistrer").first.click()
    page.wait_for_url(re.compile(r".*/2016/$"))
    assert "2 modifications enregistrées." in page.content()
    tenue = Tenue.objects.get(engagement_reciproque=engagement, annee=2016)
    bloc = page.locator(f"#t{tenue.pk}")
    badges = bloc.locator(".fr-badge").all_text_contents()
    assert badges == ["Partiellement tenu", "À valider par le chef de projet"]
    page.set_viewport_size({"width": 1280, "height": 900})
    sortir(page)
    page.set_viewport_size(TELEPHONE)

    se_connecter(page, base, "chef.projet")
    page.goto(f"{base}/contrats/grand-dijon/engagements-non-financiers/2016/")
    rien_ne_deborde(page)
    accessible(page)
    page.locator(f"#t{tenue.pk}").get_by_role("button", name=re.compile("^Valider")).click()
    page.wait_for_url(re.compile(r".*/2016/#t\d+$"))
    assert "Le suivi est validé." in page.content()
    assert Tenue.objects.get(pk=tenue.pk).etat == "valide"
    page.set_viewport_size({"width": 1280, "height": 900})
    rien_ne_deborde(page)
    accessible(page)
