"""A person in a real browser (Debian's Chromium driven by Playwright): agent.caf changes an
amount and submits; chef.projet validates; the PDF then shows the new total."""

import io
import re

from pypdf import PdfReader

from engagements.models import Dispositif

from .classeurs import seed_avec_logement_a_15000
from .navigateur import se_connecter


def test_agent_changes_submits_chef_validates_pdf_shows_the_new_total(live_server, comptes, navigateur):
    base = live_server.url
    dispositif = Dispositif.objects.get(code="caf-2015-06")
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()

    se_connecter(page, base, "agent.caf")
    page.goto(f"{base}/dispositifs/{dispositif.pk}/")
    page.get_by_role("link", name="Modifier l'estimation 2015").click()
    page.get_by_label("Valorisation financière annuelle (€)").fill("12 200 000 €")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"{base}/dispositifs/{dispositif.pk}/")
    assert "12 200 000 €" in page.content()

    page.goto(f"{base}/contrats/grand-dijon/")
    page.get_by_role("link", name="Contribution 2015 de CAF").click()
    assert page.locator("#total-annuel").inner_text() == "43 230 000 €"
    page.get_by_role("button", name="Soumettre au chef de projet").click()
    assert page.locator("#statut").inner_text().strip().lower() == "soumise"
    page.get_by_role("button", name="Se déconnecter").click()

    se_connecter(page, base, "chef.projet")
    page.goto(f"{base}/contrats/grand-dijon/tableau-de-bord/")
    page.get_by_role("link", name="Caisse d'Allocations Familiales de la Côte-d'Or").click()
    page.get_by_role("button", name="Valider la contribution").click()
    assert page.locator("#statut").inner_text().strip().lower() == "validée"

    reponse = contexte.request.get(f"{base}/contrats/grand-dijon/annexe-financiere.pdf")
    assert reponse.ok and reponse.headers["content-type"] == "application/pdf"
    texte = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(reponse.body())).pages)
    assert re.search(r"TOTAL financements CAF\s+43 230 000 €\s+129 530 000 €", texte)
    assert "Version de travail" not in texte
    contexte.close()


def test_agent_rewrites_its_engagement_in_a_fiche_and_enters_an_indicator(live_server, comptes, navigateur):
    from fiches.models import Fiche, Indicateur

    base = live_server.url
    sept = Fiche.objects.get(contrat__slug="grand-dijon", slug="fiche-action-7")
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    se_connecter(page, base, "agent.caf")

    page.goto(f"{base}/fiches/{sept.pk}/")
    # Only the CAF's engagement offers a link; the others' are read-only.
    assert page.get_by_role("link", name=re.compile("^Modifier cet engagement")).count() == 1
    page.get_by_role("link", name=re.compile("^Modifier cet engagement")).click()
    page.get_by_role("textbox", name=re.compile("^Engagement")).fill(
        "Co-financement des CLAS\n- 14 ateliers parents en 2021"
    )
    page.get_by_role("textbox", name=re.compile(r"^Montant \(€\)")).fill("abc")
    page.get_by_role("button", name="Enregistrer").click()
    assert "Saisissez un montant en euros" in page.content()
    page.get_by_role("textbox", name=re.compile(r"^Montant \(€\)")).fill("30 000")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"{base}/fiches/{sept.pk}/")
    assert page.get_by_text("14 ateliers parents en 2021", exact=True).is_visible()
    assert "30 000 €" in page.content()

    indicateur = Indicateur.objects.filter(fiche__contrat__slug="ctg-dijon", fiche__slug="axe-2-fiche-2").first()
    page.goto(f"{base}/indicateurs/{indicateur.pk}/valeurs/")
    page.get_by_label("Valeur mesurée en 2024").fill("35")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(f"{base}/fiches/{indicateur.fiche_id}/")
    assert page.locator("svg[role=img] rect").count() == 1
    contexte.close()


def test_chef_records_a_meeting_and_the_caf_agent_marks_its_decision_done(live_server, comptes, navigateur):
    from gouvernance.models import Decision

    base = live_server.url
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    se_connecter(page, base, "chef.projet")
    page.goto(f"{base}/contrats/grand-dijon/gouvernance/")
    page.get_by_role("link", name="Nouvelle séance").click()
    page.get_by_label("Instance").select_option(label="Comité de pilotage")
    page.get_by_label("Date").fill("2021-10-12")
    page.get_by_label("Ordre du jour").fill("Bilan 2021\nProgrammation 2022")
    page.locator("#id_decisions-0-texte").fill("Transmettre le bilan de la programmation")
    page.locator("#id_decisions-0-partenaire").select_option(label="Caisse d'Allocations Familiales de la Côte-d'Or")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r".*/seances/\d+/$"))
    adresse = page.url
    assert page.get_by_text("Transmettre le bilan de la programmation", exact=True).is_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    se_connecter(page, base, "agent.caf")
    page.goto(adresse)
    page.get_by_label("Statut de la décision").select_option(label="Faite")
    page.get_by_role("button", name=re.compile("^Mettre à jour")).click()
    page.wait_for_url(adresse)
    assert Decision.objects.get().statut == "faite"
    contexte.close()


def test_chef_imports_the_caf_annexe_preview_then_confirm(live_server, comptes, navigateur, tmp_path):
    base = live_server.url
    classeur = tmp_path / "annexe-caf-2015.xlsx"
    classeur.write_bytes(seed_avec_logement_a_15000())
    page = navigateur.new_context(locale="fr-FR").new_page()

    se_connecter(page, base, "chef.projet")
    page.goto(f"{base}/contrats/grand-dijon/annexe-financiere/")
    page.get_by_role("link", name="Importer l'annexe d'un partenaire (classeur .xlsx)").click()
    page.get_by_label("Partenaire dont c'est l'annexe").select_option(
        label="Caisse d'Allocations Familiales de la Côte-d'Or"
    )
    page.get_by_label("Classeur de l'annexe (.xlsx)").set_input_files(str(classeur))
    page.get_by_role("button", name="Voir l'aperçu").click()
    assert "0 à créer, 1 à mettre à jour, 37 inchangés" in page.locator("#compte").inner_text()
    assert "14 000 € → 15 000 €" in page.locator("#actions").inner_text()

    page.get_by_role("button", name="Confirmer l'import").click()
    page.wait_for_url(re.compile(r".*/annexe-financiere/\?partenaire=caf-21&annee=2015$"))
    assert "Import enregistré : 0 création(s), 1 mise(s) à jour" in page.content()
    assert "43 131 000 €" in page.content()


def test_pages_keep_to_the_content_security_policy(live_server, comptes, navigateur):
    """No script or style of ours is refused by the CSP, and the DSFR's script runs."""
    from fiches.models import Fiche

    base = live_server.url
    page = navigateur.new_context(locale="fr-FR").new_page()
    refus = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refus.append(message.text))
    se_connecter(page, base, "chef.projet")
    fiche = Fiche.objects.filter(contrat__slug="grand-dijon", indicateurs__isnull=False).first()
    for chemin in [
        "/contrats/",
        "/contrats/grand-dijon/",
        "/contrats/grand-dijon/annexe-financiere/",
        "/dispositifs/",
        "/estimations/",
        f"/fiches/{fiche.pk}/",
        "/contrats/grand-dijon/indicateurs/",
        "/contrats/grand-dijon/gouvernance/",
        "/contrats/grand-dijon/annexe-financiere/importer/",
        "/contrats/grand-dijon/tableau-de-bord/",
    ]:
        reponse = page.goto(f"{base}{chemin}")
        assert reponse.status == 200, chemin
        assert "script-src 'self'" in reponse.headers["content-security-policy"]
        # The DSFR marks the page once its script has run.
        page.wait_for_function("document.documentElement.hasAttribute('data-fr-js')")
    assert refus == []
