"""A new territory set up in a real browser, no Django admin: the administrateur creates Testville's
contract and invites its chef de projet; the chef sets a password, builds the perimeter, a partner,
the tree, invites an agent and a reader; the agent enters a line; the chef sees it in the annexe;
the reader sees it and cannot change it; revoked, the reader's next request is refused."""

import re

from contrat.models import Contrat, Partenaire
from engagements.models import Dispositif

from .test_navigateur_campagne import accessible, rien_ne_deborde

MOT_DE_PASSE = "une phrase de passe solide"


def connexion(page, base, identifiant, mot_de_passe):
    page.goto(f"{base}/connexion/")
    page.get_by_label("Nom d’utilisateur").fill(identifiant)
    page.get_by_label("Mot de passe").fill(mot_de_passe)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def lien(message):
    return re.search(r"http://127\.0\.0\.1:8000(/invitations/\S+/)", message).group(1)


def accepter(page, base, adresse_du_lien, nom):
    page.goto(f"{base}{adresse_du_lien}")
    page.get_by_label("Prénom et nom").fill(nom)
    page.locator("#id_mot_de_passe").fill(MOT_DE_PASSE)
    page.locator("#id_confirmation").fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(f"{base}/")


def test_a_territory_is_set_up_and_run_without_the_django_admin(live_server, comptes, navigateur, courriels):
    from .conftest import MOT_DE_PASSE as DEMO

    base = live_server.url
    Partenaire.objects.create(nom="Testville Agglomération", sigle="Testville Agglo", slug="testville-agglo")
    nouveau = lambda: navigateur.new_context(locale="fr-FR").new_page()  # noqa: E731

    # The administrateur creates the contract and invites its chef de projet.
    admin = nouveau()
    connexion(admin, base, "admin", DEMO)
    admin.goto(f"{base}/contrats/")
    admin.get_by_role("link", name="Nouveau contrat").click()
    admin.locator("#id_nom").fill("Contrat de ville de Testville 2024-2030")
    admin.locator("#id_territoire").fill("Testville")
    admin.locator("#id_porteur").select_option(label="Testville Agglomération")
    admin.locator("#id_annee_debut").fill("2024")
    admin.locator("#id_annee_fin").fill("2030")
    admin.locator("#id_chefs").fill("chef@testville.fr")
    accessible(admin)
    admin.get_by_role("button", name="Créer le contrat et inviter").click()
    admin.wait_for_url(re.compile(r".*/contrats/contrat-de-ville-de-testville-2024-2030/membres/$"))
    (invitation_chef,) = courriels()
    assert "To: chef@testville.fr" in invitation_chef
    slug = "contrat-de-ville-de-testville-2024-2030"

    # The chef de projet sets a password and builds the contract.
    chef = nouveau()
    accepter(chef, base, lien(invitation_chef), "Camille Chef")
    chef.goto(f"{base}/contrats/{slug}/")
    chef.get_by_role("link", name="Périmètre").click()
    chef.locator("#id_commune-nom").fill("Testville")
    chef.get_by_role("button", name="Ajouter la commune").click()
    for quartier, code in (("Les Tilleuls", "QN02101M"), ("Le Centre", "")):
        chef.locator("#id_quartier-nom").fill(quartier)
        chef.locator("#id_quartier-commune").select_option(label="Testville")
        chef.locator("#id_quartier-nature").select_option(value="prioritaire")
        chef.locator("#id_quartier-code").fill(code)
        chef.get_by_role("button", name="Ajouter le quartier").click()
        assert chef.locator("#quartiers").get_by_role("cell", name=quartier, exact=True).is_visible()
    accessible(chef)

    chef.goto(f"{base}/contrats/{slug}/partenaires/")
    chef.get_by_label("Nom, sigle ou SIREN").fill("Mission locale de Testville")
    chef.get_by_role("button", name="Chercher").click()
    assert chef.locator("#aucun").is_visible()
    assert chef.locator("#id_nom").input_value() == "Mission locale de Testville"
    chef.locator("#id_sigle").fill("ML Testville")
    chef.locator("#id_nature").select_option(label="Association")
    chef.get_by_role("button", name="Créer et ajouter au contrat").click()
    assert (
        chef.locator("#partenaires-du-contrat").get_by_text("Mission locale de Testville (ML Testville)").is_visible()
    )

    chef.goto(f"{base}/contrats/{slug}/arbre/")
    chef.locator("#id_intitule").fill("Cohésion sociale")
    chef.get_by_role("button", name="Ajouter (Pilier)").click()
    chef.get_by_text("Ajouter — Orientations stratégiques").click()  # the form unfolds (a native <details>)
    chef.get_by_label("Intitulé du nouvel élément (Orientations stratégiques) de « Cohésion sociale »").fill(
        "Insertion des jeunes"
    )
    chef.get_by_role("button", name="Ajouter à « Cohésion sociale » (Orientations stratégiques)").click()
    chef.get_by_text("Ajouter — Objectifs opérationnels").click()
    chef.get_by_label("Intitulé du nouvel élément (Objectifs opérationnels) de « Insertion des jeunes »").fill(
        "Accompagner vers l'emploi"
    )
    chef.get_by_role("button", name="Ajouter à « Insertion des jeunes » (Objectifs opérationnels)").click()
    assert (
        chef.locator("li.noeud", has_text="Accompagner vers l'emploi").count() == 2
    )  # the objectif, in its orientation
    accessible(chef)

    chef.goto(f"{base}/contrats/{slug}/membres/")
    for adresse, role, organisation in (
        ("agent@ml-testville.fr", "agent", "Mission locale de Testville"),
        ("elu@testville.fr", "lecteur", "Testville Agglomération"),
    ):
        chef.locator("#id_email").fill(adresse)
        chef.locator("#id_role").select_option(value=role)
        chef.locator("#id_partenaire").select_option(label=organisation)
        chef.get_by_role("button", name="Envoyer l'invitation").click()
        assert f"Invitation envoyée à {adresse}" in chef.content()
    accessible(chef)
    chef.set_viewport_size({"width": 390, "height": 844})
    rien_ne_deborde(chef)
    chef.set_viewport_size({"width": 1280, "height": 900})
    invitation_agent, invitation_lecteur = courriels()[1:]

    # The agent sets a password and enters a line with an amount, in its contribution's grid.
    agent = nouveau()
    accepter(agent, base, lien(invitation_agent), "Dominique Agent")
    agent.goto(f"{base}/contrats/{slug}/")
    agent.get_by_role("link", name="Contribution 2024 de ML Testville").click()
    agent.locator("#id_lignes-0-dispositif").select_option(label="Nouveau dispositif (intitulé ci-contre)")
    agent.locator("#id_lignes-0-intitule").fill("Accompagnement intensif des jeunes")
    agent.locator("#id_lignes-0-objectifs").select_option(label="Accompagner vers l'emploi")
    agent.locator("#id_lignes-0-montant_annuel").fill("45 000")
    agent.get_by_role("button", name="Enregistrer la grille").click()
    assert "1 ligne enregistrée." in agent.content()
    dispositif = Dispositif.objects.get(intitule="Accompagnement intensif des jeunes")

    # The chef sees it in the annexe (signing in by address).
    chef.goto(f"{base}/")
    chef.get_by_role("button", name="Se déconnecter").first.click()
    connexion(chef, base, "chef@testville.fr", MOT_DE_PASSE)
    chef.goto(f"{base}/contrats/{slug}/annexe-financiere/")
    assert chef.get_by_role("link", name="Accompagnement intensif des jeunes").is_visible()
    assert "45 000 €" in chef.locator(".annexe-table").inner_text()

    # The reader sees it and cannot change it.
    lecteur = nouveau()
    accepter(lecteur, base, lien(invitation_lecteur), "Élu de Testville")
    lecteur.goto(f"{base}/contrats/{slug}/annexe-financiere/")
    assert "45 000 €" in lecteur.locator(".annexe-table").inner_text()
    assert lecteur.goto(f"{base}/dispositifs/{dispositif.pk}/modifier/").status == 403
    lecteur.goto(f"{base}/contrats/{slug}/contributions/ml-testville/2024/")
    assert lecteur.get_by_role("button", name="Enregistrer la grille").count() == 0

    # Revoked, the reader's next request is refused.
    chef.goto(f"{base}/contrats/{slug}/membres/")
    chef.get_by_role("button", name="Révoquer elu@testville.fr").click()
    assert "n'a plus accès au contrat" in chef.content()
    assert lecteur.goto(f"{base}/contrats/{slug}/annexe-financiere/").status == 404


def test_a_contract_is_created_with_a_new_porteur_from_the_same_page(live_server, comptes, navigateur, courriels):
    """A new territory whose intercommunality is not yet an organisation of the instance: the administrateur
    types its name on the contract's page, at 1 280 and at 390 px; no Django admin."""
    from .conftest import MOT_DE_PASSE as DEMO

    base = live_server.url
    for largeur, nom, sigle in ((1280, "Communauté de communes du Val Test", "CCVT"), (390, "Agglo de Mobiletown", "")):
        admin = navigateur.new_context(locale="fr-FR", viewport={"width": largeur, "height": 900}).new_page()
        connexion(admin, base, "admin", DEMO)
        admin.goto(f"{base}/contrats/ajouter/")
        admin.locator("#id_nom").fill(f"Contrat de ville {nom}")
        admin.locator("#id_territoire").fill(nom)
        admin.get_by_label("Ou le nom d'un nouveau porteur").fill(nom)
        if sigle:
            admin.get_by_label("Son sigle (facultatif)").fill(sigle)
        admin.locator("#id_annee_debut").fill("2024")
        admin.locator("#id_annee_fin").fill("2030")
        admin.locator("#id_chefs").fill(f"chef{largeur}@exemple.fr")
        accessible(admin)
        assert admin.evaluate("document.documentElement.scrollWidth") <= largeur
        admin.get_by_role("button", name="Créer le contrat et inviter").click()
        admin.wait_for_url(re.compile(r".*/membres/$"))
        contrat = Contrat.objects.get(nom=f"Contrat de ville {nom}")
        assert (contrat.porteur.nom, contrat.porteur.sigle) == (nom, sigle or nom)
        assert contrat.porteur in contrat.partenaires.all()
        # Typed again as new, the same name is refused in French: it is in the list now.
        admin.goto(f"{base}/contrats/ajouter/")
        admin.locator("#id_nom").fill(f"Autre contrat {nom}")
        admin.locator("#id_territoire").fill(nom)
        admin.get_by_label("Ou le nom d'un nouveau porteur").fill(nom.upper())
        admin.locator("#id_annee_debut").fill("2024")
        admin.locator("#id_annee_fin").fill("2030")
        admin.locator("#id_chefs").fill(f"chef{largeur}@exemple.fr")
        admin.get_by_role("button", name="Créer le contrat et inviter").click()
        assert "existe déjà : choisissez-la dans la liste des porteurs" in admin.locator("main").inner_text()
        assert not Contrat.objects.filter(nom=f"Autre contrat {nom}").exists()
        admin.context.close()


def test_the_tree_and_the_grid_speak_the_contract_s_levels_in_a_browser(live_server, comptes, navigateur, conventions):
    """Levels named « Priorité / Objectifs / Actions »: the chef adds an Action from the tree and the agent's grid
    asks for « Actions », at 1 280 and 390 px, accessible."""
    Contrat.objects.filter(pk=conventions.pk).update(niveau_1="Priorité", niveau_2="Objectifs", niveau_3="Actions")
    base = live_server.url
    from .conftest import MOT_DE_PASSE as DEMO

    for largeur in (1280, 390):
        chef = navigateur.new_context(locale="fr-FR", viewport={"width": largeur, "height": 900}).new_page()
        connexion(chef, base, "chef.projet", DEMO)
        chef.goto(f"{base}/contrats/grand-dijon/arbre/")
        assert (
            chef.get_by_text("Ajouter — Actions").count() >= 1 and chef.get_by_text("Ajouter — Priorité").count() == 1
        )
        assert chef.get_by_text("Ajouter un objectif").count() == 0
        premier = chef.locator("details.ajout-noeud", has_text="Ajouter — Actions").first
        premier.locator("summary").click()
        premier.get_by_label(re.compile(r"Intitulé du nouvel élément \(Actions\)")).fill(
            f"Action ajoutée à {largeur} px"
        )
        premier.get_by_role("button", name=re.compile(r"^Ajouter")).click()
        assert chef.get_by_text(f"Action ajoutée à {largeur} px").count() >= 1
        accessible(chef)
        rien_ne_deborde(chef)
        chef.context.close()

        agent = navigateur.new_context(locale="fr-FR", viewport={"width": largeur, "height": 900}).new_page()
        connexion(agent, base, "agent.caf", DEMO)
        agent.goto(f"{base}/contrats/grand-dijon/contributions/caf-21/2016/")
        assert agent.locator("label[for=id_lignes-0-objectifs]").inner_text().startswith("Actions")
        assert agent.get_by_text("Objectifs opérationnels").count() == 0
        accessible(agent)
        agent.context.close()
