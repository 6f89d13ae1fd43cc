"""The bilan of 2015 in a real browser (Debian's Chromium driven by Playwright): the CAF's agent reports
what three lines actually mobilised (one left unknown, with a remark), submits; the chef de projet
validates; the synthèse shows planned, done and the rate, the unknown line not counted as 0. Each
page is looked at on a phone's width too, and checked by axe-core."""

import re
from decimal import Decimal

from engagements.models import Contribution, Estimation, Nature, Realisation

from .navigateur import se_connecter
from .test_navigateur_campagne import TELEPHONE, accessible, rien_ne_deborde, sortir


def test_a_bilan_of_2015_entered_submitted_validated_and_read_in_the_synthese(live_server, comptes, navigateur):
    base = live_server.url
    lignes = [
        e
        for e in Estimation.objects.filter(
            dispositif__contrat__slug="grand-dijon", partenaire__slug="caf-21", annee=2015, montant_annuel__isnull=False
        )
        .select_related("dispositif")
        .order_by("dispositif__ordre", "dispositif__pk")
    ][:3]
    a, b, c = lignes
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()

    se_connecter(page, base, "agent.caf")
    page.goto(f"{base}/contrats/grand-dijon/contributions/caf-21/2015/")
    page.get_by_role("link", name="Bilan 2015 : ce que ces lignes ont réalisé").click()
    page.wait_for_url(re.compile(r".*/contributions/caf-21/2015/bilan/$"))
    assert page.locator("#statut").text_content() == "Non commencé"
    accessible(page)
    page.get_by_label(f"Montant réalisé (€) — {a.dispositif.intitule}", exact=True).fill("1 000 000")
    page.get_by_label(f"Montant réalisé (€) — {b.dispositif.intitule}", exact=True).fill("250000,50")
    page.get_by_label(f"Remarque — {c.dispositif.intitule}", exact=True).fill(
        "Montant attendu de la direction financière"
    )
    page.get_by_role("button", name="Enregistrer le bilan").click()
    page.wait_for_url(re.compile(r".*/bilan/$"))
    assert "3 lignes enregistrées." in page.content()
    assert page.locator("#statut").text_content() == "Brouillon"
    assert page.locator("#inconnus").inner_text() == "35 lignes au réalisé inconnu, non comptées."
    page.set_viewport_size(TELEPHONE)
    rien_ne_deborde(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator("#avertissement-inconnus").is_visible()  # said before submitting
    page.locator("label[for=inconnus_confirmes]").click()  # (the DSFR draws the box on its label)
    page.get_by_role("button", name="Soumettre le bilan au chef de projet").click()
    page.wait_for_url(re.compile(r".*/bilan/$"))
    assert page.locator("#statut").text_content() == "Soumis"
    sortir(page)

    se_connecter(page, base, "chef.projet")
    page.goto(f"{base}/contrats/grand-dijon/contributions/caf-21/2015/bilan/")
    accessible(page)
    page.get_by_role("button", name="Valider le bilan").click()
    page.wait_for_url(re.compile(r".*/bilan/$"))
    assert page.locator("#statut").text_content() == "Validé"
    assert Contribution.objects.get(partenaire__slug="caf-21", annee=2015, nature=Nature.BILAN).statut == "valide"
    assert Realisation.objects.get(estimation=c).montant_realise is None

    page.goto(f"{base}/contrats/grand-dijon/synthese/?annee=2015")
    ligne = page.locator("#bilan tbody tr", has_text="Caisse d'Allocations Familiales de la Côte-d'Or")
    cellules = [re.sub(r"\s+", " ", t).strip() for t in ligne.locator("td").all_inner_texts()]
    taux = (Decimal("1250000.50") / (a.montant_annuel + b.montant_annuel) * 100).quantize(Decimal("1"))
    # Planned: the whole year's 43 130 000 €; done: only what is known; the unknown line is not a 0.
    assert cellules == ["43 130 000 €", "1 250 000,50 €", f"{taux} % sur 2 lignes connues sur 37", "35", "Bilan validé"]
    accessible(page)
    page.set_viewport_size(TELEPHONE)
    rien_ne_deborde(page)
    contexte.close()
