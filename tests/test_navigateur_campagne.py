"""The whole yearly campaign in a real browser (Debian's Chromium driven by Playwright), two partners:
the chef opens the 2016 campaign; Pôle emploi's agent finds it on its home page, fills the grid (a bad
amount first), submits; mails are read back from the file backend; sent back, corrected, resubmitted,
validated; the dashboard and the annexe PDF say where each partner stands. Each page is also looked at
on a phone's width: nothing wider than the screen."""

import io
import re

from pypdf import PdfReader

from engagements.models import Contribution, Estimation

from .navigateur import se_connecter, violations_axe

TELEPHONE = {"width": 390, "height": 844}


def rien_ne_deborde(page):
    """No element makes the page wider than the window (a table scrolls inside its frame)."""
    largeur = page.evaluate("document.documentElement.scrollWidth")
    fenetre = page.evaluate("window.innerWidth")
    assert largeur <= fenetre, f"{page.url} : {largeur} px pour une fenêtre de {fenetre} px"


def accessible(page):
    """axe-core finds no violation of the WCAG rules on the page as it stands."""
    violations = violations_axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def sortir(page):
    page.goto(page.url.split("/contrats/")[0] + "/")
    page.get_by_role("button", name="Se déconnecter").click()


def test_a_whole_campaign_with_two_partners(live_server, comptes, navigateur, courriels):
    base = live_server.url
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()

    # The chef de projet opens the 2016 campaign: the CAF and Pôle emploi are proposed.
    se_connecter(page, base, "chef.projet")
    page.goto(f"{base}/contrats/grand-dijon/collectes/ouvrir/?annee=2016")
    assert page.get_by_label("Année collectée").input_value() == "2016"
    coches = page.locator("input[name=partenaires]:checked")
    assert sorted(coches.evaluate_all("els => els.map(e => e.labels[0].innerText)")) == [
        "Caisse d'Allocations Familiales de la Côte-d'Or",
        "Pôle emploi",
    ]
    accessible(page)
    page.get_by_role("button", name="Ouvrir la collecte").click()
    page.wait_for_url(re.compile(r".*/tableau-de-bord/\?annee=2016$"))
    assert re.sub(r"\s+", " ", page.locator("#progression").inner_text()) == "0 / 2 validées"
    accessible(page)
    sortir(page)

    # Pôle emploi's agent: its home page says what to do.
    se_connecter(page, base, "agent.pole-emploi")
    tache = page.locator(".tache")
    assert tache.count() == 1 and "Contribution 2016 de Pôle emploi" in tache.inner_text()
    accessible(page)
    page.set_viewport_size(TELEPHONE)
    rien_ne_deborde(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    tache.get_by_role("link").click()
    page.wait_for_url(f"{base}/contrats/grand-dijon/contributions/pole-emploi/2016/")

    # Two new lines in the grid; one bad amount first.
    page.locator("#id_lignes-0-dispositif").select_option(label="Nouveau dispositif (intitulé ci-contre)")
    page.locator("#id_lignes-0-intitule").fill("Accompagnement intensif des jeunes")
    page.locator("#id_lignes-0-montant_annuel").fill("150 000")
    page.locator("#id_lignes-1-dispositif").select_option(label="Nouveau dispositif (intitulé ci-contre)")
    page.locator("#id_lignes-1-intitule").fill("Garantie jeunes")
    page.locator("#id_lignes-1-montant_annuel").fill("quatre-vingt mille")
    page.get_by_role("button", name="Enregistrer la grille").click()
    erreur = page.locator("#id_lignes-1-montant_annuel-erreurs")
    assert erreur.is_visible() and "montant" in erreur.inner_text().lower()
    assert page.locator("#id_lignes-1-montant_annuel").get_attribute("aria-invalid") == "true"
    assert not Estimation.objects.filter(annee=2016).exists()
    accessible(page)  # the grid with its errors
    page.locator("#id_lignes-1-montant_annuel").fill("80 000")
    page.get_by_role("button", name="Enregistrer la grille").click()
    assert "2 lignes enregistrées." in page.content()
    assert page.locator("#total-annuel").inner_text() == "230 000 €"
    page.set_viewport_size(TELEPHONE)
    rien_ne_deborde(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Soumettre au chef de projet").click()
    assert page.locator("#statut").inner_text().strip().lower() == "soumise"

    # The chef de projet's mail, read back from the file backend.
    (soumission,) = courriels()
    assert "To: chef.projet@example.org" in soumission and "Pôle emploi a soumis sa contribution 2016" in soumission
    lien = re.search(r"http://127\.0\.0\.1:8000(/contrats/\S+/)", soumission).group(1)
    sortir(page)

    se_connecter(page, base, "chef.projet")
    page.goto(f"{base}{lien}")
    page.get_by_label("Ce qu'il faut corriger").first.fill("Précisez le public de la Garantie jeunes.")
    page.get_by_role("button", name="Renvoyer au partenaire").click()
    assert page.locator("#statut").inner_text().strip().lower() == "renvoyée"
    renvoi = courriels()[-1]
    assert "To: agent.pole-emploi@example.org" in renvoi and "Précisez le public de la Garantie jeunes." in renvoi
    sortir(page)

    # The agent corrects and submits again.
    se_connecter(page, base, "agent.pole-emploi")
    assert "Précisez le public de la Garantie jeunes." in page.locator(".tache").inner_text()
    page.locator(".tache").get_by_role("link").click()
    garantie = Estimation.objects.get(annee=2016, dispositif__intitule="Garantie jeunes")
    rang = page.locator("tr", has_text="Garantie jeunes")
    rang.get_by_role("textbox", name=re.compile("^Remarque")).fill("Jeunes de 16 à 25 ans des QPV")
    rang.get_by_role("textbox", name=re.compile("^Montant annuel")).fill("90 000")
    page.get_by_role("button", name="Enregistrer la grille").click()
    assert "1 ligne enregistrée." in page.content()
    garantie.refresh_from_db()
    assert garantie.montant_annuel == 90000 and garantie.remarque_annuelle == "Jeunes de 16 à 25 ans des QPV"
    page.get_by_role("button", name="Soumettre au chef de projet").click()
    assert page.locator("#statut").inner_text().strip().lower() == "soumise"
    sortir(page)

    # The chef validates; the dashboard and the annexe say where each partner stands.
    se_connecter(page, base, "chef.projet")
    page.goto(f"{base}{lien}")
    page.get_by_role("button", name="Valider la contribution").click()
    assert page.locator("#statut").inner_text().strip().lower() == "validée"
    assert "est validée" in courriels()[-1]
    assert Contribution.objects.get(partenaire__slug="pole-emploi", annee=2016).statut == "valide"
    page.goto(f"{base}/contrats/grand-dijon/tableau-de-bord/?annee=2016")
    assert re.sub(r"\s+", " ", page.locator("#progression").inner_text()) == "1 / 2 validées"
    assert page.locator("#partenaire-caf-21").get_by_text("Non commencée").is_visible()
    page.set_viewport_size(TELEPHONE)
    rien_ne_deborde(page)
    # On a phone, the menu (and the logout in it) opens from the header's button.
    page.get_by_role("button", name="Menu").click()
    assert page.locator("#modal-menu").get_by_role("button", name="Se déconnecter").is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})

    reponse = contexte.request.get(f"{base}/contrats/grand-dijon/annexe-financiere.pdf?annee=2016")
    assert reponse.ok and reponse.headers["content-type"] == "application/pdf"
    texte = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(reponse.body())).pages)
    assert re.search(r"Pôle emploi\s+2\s+240 000 €\s+Validée", texte), texte
    assert re.search(r"Caisse d'Allocations Familiales de la Côte-d'Or\s+0\s+Non transmis", texte)
    contexte.close()


def tabuler_jusqu_a(page, condition, maximum=800):
    """Presses Tab until the focused element meets `condition` (a JavaScript test of `el`)."""
    for _ in range(maximum):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {condition})(document.activeElement)"):
            return
    raise AssertionError(f"jamais atteint au clavier : {condition}")


def test_the_grid_is_filled_and_saved_with_the_keyboard_alone(live_server, comptes, navigateur):
    from engagements.models import Dispositif

    base = live_server.url
    page = navigateur.new_context(locale="fr-FR").new_page()
    se_connecter(page, base, "agent.caf")
    page.goto(f"{base}/contrats/grand-dijon/contributions/caf-21/2015/")
    ligne = Estimation.objects.get(
        dispositif=Dispositif.objects.get(contrat__slug="grand-dijon", code="caf-2015-06"), annee=2015
    )
    champ = (
        page.locator("input[name$=-pk][value='%d']" % ligne.pk)
        .evaluate("e => e.name")
        .replace("-pk", "-montant_annuel")
    )
    tabuler_jusqu_a(page, f"el.name === '{champ}'")
    page.keyboard.press("Control+A")
    page.keyboard.type("12 250 000")
    tabuler_jusqu_a(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Enregistrer la grille'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "1 ligne enregistrée." in page.content()
    ligne.refresh_from_db()
    assert ligne.montant_annuel == 12250000


def _dans_l_ecran(page, largeur):
    """Every field of the grid is within the screen's width: reachable without scrolling sideways."""
    dehors = page.evaluate(
        """(largeur) => [...document.querySelectorAll('#grille input:not([type=hidden]), #grille select,'
            + ' #grille textarea, #grille button')]
            .map(e => [e.name || e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([n, r]) => r.width > 0 && (r.left < 0 || r.right > largeur + 0.5))
            .map(([n, r]) => `${n} : ${Math.round(r.left)}-${Math.round(r.right)}`)""",
        largeur,
    )
    assert dehors == [], dehors


def test_an_agent_fills_six_lines_on_a_phone_without_scrolling_sideways(live_server, comptes, navigateur):
    """At 390 px the grid is a card per line: every field of a line (dispositif, objectifs, montants, remarque,
    période, supprimer) within the screen; three lines typed, three more asked for, all six saved."""
    base = live_server.url
    contexte = navigateur.new_context(locale="fr-FR", viewport=TELEPHONE)
    page = contexte.new_page()
    se_connecter(page, base, "agent.pole-emploi")
    page.goto(f"{base}/contrats/grand-dijon/contributions/pole-emploi/2016/")
    _dans_l_ecran(page, TELEPHONE["width"])
    rien_ne_deborde(page)
    accessible(page)

    def remplir(debut):
        for i in range(debut, debut + 3):
            page.locator(f"#id_lignes-{i}-dispositif").select_option(label="Nouveau dispositif (intitulé ci-contre)")
            page.locator(f"#id_lignes-{i}-intitule").fill(f"Atelier numérique {i + 1}")
            page.locator(f"#id_lignes-{i}-montant_annuel").fill(f"{i + 1} 000")
            page.locator(f"#id_lignes-{i}-montant_pluriannuel").fill(f"{i + 1} 500")
            page.locator(f"#id_lignes-{i}-remarque_annuelle").fill("Sous réserve du budget")

    remplir(0)
    page.get_by_role("button", name="Enregistrer et ajouter des lignes").click()
    page.wait_for_url(re.compile(r".*\?lignes=8#grille$"))
    for i in range(3):  # the three typed are there, saved
        assert page.get_by_text(f"Atelier numérique {i + 1}").count() >= 1
    # The new empty lines follow the three saved ones.
    remplir(3)
    _dans_l_ecran(page, TELEPHONE["width"])
    page.get_by_role("button", name="Enregistrer la grille").click()
    page.wait_for_load_state()
    lignes = Estimation.objects.filter(partenaire__slug="pole-emploi", annee=2016)
    assert sorted(lignes.values_list("dispositif__intitule", flat=True)) == [
        f"Atelier numérique {i}" for i in range(1, 7)
    ]
    _dans_l_ecran(page, TELEPHONE["width"])
    rien_ne_deborde(page)
    contexte.close()


def test_the_chef_reviews_a_resubmitted_contribution_before_validating(live_server, comptes, navigateur, conventions):
    """Sent back and resubmitted with one amount changed and one line added: the chef's page shows, before the
    « Valider » button, the changed amount (before → after, the difference) and the added line, with each
    line's objectifs, remark and period; at 1 280 and 390 px."""
    from decimal import Decimal

    from contrat.models import Partenaire
    from engagements import services
    from engagements.models import Dispositif
    from noyau import versions
    from noyau.montants import euros

    caf = Partenaire.objects.get(slug="caf-21")
    agent, chef = comptes["agent.caf"], comptes["chef.projet"]
    services.changer_statut(agent, conventions, caf, 2015, "soumettre")
    services.changer_statut(chef, conventions, caf, 2015, "renvoyer", "Le montant du CLAS est à revoir.")
    ligne = Estimation.objects.get(dispositif__code="caf-2015-06", annee=2015)
    avant = ligne.montant_annuel
    ligne.montant_annuel = avant + Decimal("400000")
    versions.modifier(agent, ligne, ligne.version)
    nouveau = versions.creer(agent, Dispositif(contrat=conventions, partenaire=caf, code="t-ludo", intitule="Ludobus"))
    versions.creer(agent, Estimation(dispositif=nouveau, partenaire=caf, annee=2015, montant_annuel=Decimal("5000")))
    services.changer_statut(agent, conventions, caf, 2015, "soumettre")

    base = live_server.url
    for fenetre in ({"width": 1280, "height": 900}, TELEPHONE):
        page = navigateur.new_context(locale="fr-FR", viewport=fenetre).new_page()
        se_connecter(page, base, "chef.projet")
        page.goto(f"{base}/contrats/grand-dijon/contributions/caf-21/2015/")
        relecture = page.locator("#relecture")
        assert relecture.is_visible()
        texte = re.sub(r"\s+", " ", relecture.inner_text())
        assert "2 lignes modifiées, ajoutées ou retirées" in texte
        changee = re.sub(r"\s+", " ", page.locator(f"#relue-{ligne.pk}").inner_text())
        attendu = f"Montant annuel : {euros(avant)} → {euros(avant + Decimal('400000'))} (+400 000 €)"
        assert attendu in changee, changee
        ajoutee = page.locator("#relecture tr", has_text="Ludobus")
        assert "Ajoutée depuis la dernière soumission" in ajoutee.text_content()
        # The review comes before the buttons that decide.
        assert page.evaluate(
            "document.querySelector('#relecture').compareDocumentPosition("
            "document.querySelector('form[action$=\"/valider/\"] button')) & Node.DOCUMENT_POSITION_FOLLOWING"
        )
        rien_ne_deborde(page)
        accessible(page)
        page.context.close()
    page = navigateur.new_context(locale="fr-FR").new_page()
    se_connecter(page, base, "chef.projet")
    page.goto(f"{base}/contrats/grand-dijon/contributions/caf-21/2015/")
    page.get_by_role("button", name="Valider la contribution").click()
    page.wait_for_load_state()
    contribution = Contribution.objects.get(contrat=conventions, partenaire=caf, annee=2015, nature="previsionnel")
    assert contribution.statut == "valide"
