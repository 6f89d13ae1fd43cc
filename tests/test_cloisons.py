"""Every contract a sealed room: the people of a second contract B — its chef de projet, agent, lecteur,
and an agent of an organisation partner of both — change nothing that grand-dijon shows, shared
references included."""

import html
import re
from pathlib import Path

from django.core.management import call_command
from django.test import Client

from contrat.models import Commune, Contrat, PerimetreQuartier, Quartier, QuartierPrioritaire
from noyau.models import Historique

EXEMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "qpv" / "exemple-format-listeqp2024.csv"


def _tableau_des_quartiers(client):
    page = html.unescape(client.get("/contrats/grand-dijon/perimetre/").content.decode())
    tableau = re.search(r'<table id="quartiers">.*?</table>', page, re.S).group(0)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", tableau)


def test_chef_b_cannot_change_what_grand_dijon_s_perimeter_shows(connecter, conventions, contrat_b):
    call_command("charger_qpv", str(EXEMPLE))
    chef_a = connecter("chef.projet")
    le_mail = Quartier.objects.get(slug="chenove-le-mail")
    partage = (le_mail.nom, le_mail.code, le_mail.qpv_id, le_mail.commune_id)
    gresilles = Quartier.objects.get(slug="dijon-gresilles")
    Quartier.objects.filter(pk=gresilles.pk).update(code="QN02191N")  # as a load could have written it
    avant = _tableau_des_quartiers(chef_a)
    historique_a = Historique.objects.filter(contrat_id=conventions.pk).count()

    client = Client()  # chef A stays signed in on his own client
    client.force_login(contrat_b.chef)
    url = f"/contrats/{contrat_b.contrat.slug}/perimetre/"
    assert client.post(url + "communes/ajouter/", {"commune-nom": "Chenôve"}).status_code == 302
    chenove = Commune.objects.get(slug="chenove")
    assert (
        client.post(
            url + "quartiers/ajouter/",
            {
                "quartier-nom": "Le Mail",
                "quartier-commune": chenove.pk,
                "quartier-nature": "prioritaire",
                "quartier-code": "QN02101M",
            },
        ).status_code
        == 302
    )
    lien_b = PerimetreQuartier.objects.get(contrat=contrat_b.contrat, quartier=le_mail)  # the same shared row
    successeur = QuartierPrioritaire.objects.get(code="QN02190N")
    assert client.post(url + "qpv/successeur/", {"lien": lien_b.pk, "qpv": successeur.pk}).status_code == 302
    # A QPV whose code a shared quartier of grand-dijon carries: B's link gets it, the shared row nothing.
    assert (
        client.post(
            url + "qpv/ajouter/", {"qpv": QuartierPrioritaire.objects.get(code="QN02191N").pk, "nature": "veille"}
        ).status_code
        == 302
    )
    assert PerimetreQuartier.objects.get(contrat=contrat_b.contrat, quartier=gresilles).qpv.code == "QN02191N"

    lien_b.refresh_from_db()
    assert (lien_b.code, lien_b.qpv) == ("QN02101M", successeur)  # what B says lives on B's own link
    le_mail.refresh_from_db()
    assert (le_mail.nom, le_mail.code, le_mail.qpv_id, le_mail.commune_id) == partage
    assert Quartier.objects.get(pk=gresilles.pk).qpv is None
    assert _tableau_des_quartiers(chef_a) == avant
    assert Historique.objects.filter(contrat_id=conventions.pk).count() == historique_a
    # B's history holds each change of its perimeter, the successor included.
    entrees = Historique.objects.filter(contrat_id=contrat_b.contrat.pk, objet="perimetre")
    assert entrees.filter(action="creation").count() == 2
    (successeur_lie,) = entrees.filter(action="modification")
    assert successeur_lie.apres["qpv_id"] == successeur.pk and successeur_lie.user == contrat_b.chef
    # Linking it twice (a double click) is said, and changes nothing more.
    reponse = client.post(
        url + "qpv/successeur/",
        {"lien": lien_b.pk, "qpv": QuartierPrioritaire.objects.get(code="QN02192N").pk},
        follow=True,
    )
    assert "a déjà pour successeur" in html.unescape(reponse.content.decode())
    assert PerimetreQuartier.objects.get(pk=lien_b.pk).qpv == successeur


def test_a_change_to_a_shared_quartier_is_in_the_history_of_every_contract_that_holds_it(
    connecter, conventions, contrat_b
):
    le_mail = Quartier.objects.get(slug="chenove-le-mail")
    PerimetreQuartier.objects.create(contrat=contrat_b.contrat, quartier=le_mail, nature="veille")
    admin = connecter("admin")
    reponse = admin.post(
        f"/admin/contrat/quartier/{le_mail.pk}/change/",
        {"nom": "Le Mail (Chenôve)", "slug": le_mail.slug, "commune": le_mail.commune_id, "code": "QN02101M"},
    )
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    for contrat in (conventions, contrat_b.contrat):
        (entree,) = Historique.objects.filter(contrat_id=contrat.pk, objet="perimetre", source="admin")
        assert entree.avant["quartier (liste partagée)"] == "Le Mail"
        assert entree.apres["quartier (liste partagée)"] == "Le Mail (Chenôve)"
    arbre = html.unescape(connecter("chef.projet").get("/contrats/grand-dijon/arbre/").content.decode())
    assert "Le Mail (Chenôve)" in arbre  # the contract's history page lists it
    assert Contrat.objects.get(pk=conventions.pk).perimetre.filter(quartier=le_mail).exists()


def _instance_postee(nom, **champs):
    return {
        "nom": nom,
        "nature": "comite_pilotage",
        "selon_besoins": "on",
        "membres-TOTAL_FORMS": "0",
        "membres-INITIAL_FORMS": "0",
        **champs,
    }


def test_an_instance_shared_from_b_appears_in_grand_dijon_only_once_its_chef_accepts_it(
    connecter, conventions, contrat_b, comptes
):
    from contrat.models import Membre
    from gouvernance.models import Instance, Seance

    b = contrat_b.contrat
    # B's chef is also a reader of grand-dijon (the issue's attack): grand-dijon is not his to offer.
    Membre.objects.create(user=contrat_b.chef, partenaire=conventions.porteur, role="lecteur", contrat=conventions)
    chef_b = Client()
    chef_b.force_login(contrat_b.chef)
    refus = chef_b.post(
        f"/contrats/{b.slug}/instances/ajouter/", _instance_postee("Comité de B", contrats_associes=[conventions.pk])
    )
    assert refus.status_code == 400 and "contrats_associes" in refus.context["form"].errors
    assert not Instance.objects.filter(nom="Comité de B").exists()
    historique_a = Historique.objects.filter(contrat_id=conventions.pk).count()

    # Offered by someone who may offer it (an administrator): it waits for grand-dijon's consent.
    admin = connecter("admin")
    assert (
        admin.post(
            f"/contrats/{b.slug}/instances/ajouter/",
            _instance_postee("Comité départemental de B", contrats_associes=[conventions.pk]),
        ).status_code
        == 302
    )
    offerte = Instance.objects.get(nom="Comité départemental de B")
    Seance.objects.create(instance=offerte, date="2026-06-10")
    chef_a = connecter("chef.projet")
    gouvernance = "/contrats/grand-dijon/gouvernance/"

    def montree():
        chef_a.get(gouvernance)  # the message of the last action said, then the page as it stands
        page = html.unescape(chef_a.get(gouvernance).content.decode())
        propose = re.search(r'<ul id="instances-proposees">.*?</ul>', page, re.S)
        ailleurs = page.replace(propose.group(0), "") if propose else page
        ics = chef_a.get("/contrats/grand-dijon/seances.ics").content.decode()
        return "Comité départemental de B" in ailleurs, "Comité départemental de B" in ics, bool(propose)

    assert montree() == (False, False, True)
    assert not Instance.objects.du_contrat(conventions).filter(pk=offerte.pk).exists()
    assert chef_a.get(f"/instances/{offerte.pk}/modifier/").status_code == 404
    # Only grand-dijon's chef accepts for grand-dijon: not B's chef, nor grand-dijon's reader.
    accepter = f"/contrats/grand-dijon/gouvernance/partages/{offerte.pk}/accepter/"
    assert chef_b.post(accepter).status_code == 403
    assert connecter("lecteur").post(accepter).status_code == 403
    chef_a = connecter("chef.projet")
    assert chef_a.post(accepter).status_code == 302
    assert chef_a.post(accepter).status_code == 404  # accepted already: no longer a proposal
    assert montree() == (True, True, False)
    entree = Historique.objects.filter(contrat_id=conventions.pk).exclude(objet="contrat").latest("pk")
    assert (entree.objet, entree.action, entree.user) == ("partage", "creation", comptes["chef.projet"])
    assert Historique.objects.filter(
        contrat_id=b.pk, objet="instance", objet_id=offerte.pk, apres__contrats_associes=[conventions.pk]
    ).exists()
    # Withdrawn: gone again from grand-dijon, said in its history.
    retirer = f"/contrats/grand-dijon/gouvernance/partages/{offerte.pk}/retirer/"
    assert chef_a.post(retirer).status_code == 302
    assert montree() == (False, False, True)
    assert chef_a.post(retirer).status_code == 404
    assert Historique.objects.filter(contrat_id=conventions.pk, objet="partage").count() == 2
    assert Historique.objects.filter(contrat_id=conventions.pk).count() == historique_a + 2


def test_a_seance_form_posted_with_another_contract_s_decision_id_is_refused_not_turned_into_a_creation(
    conventions, contrat_b
):
    from gouvernance.models import Decision, Instance, Seance

    copil = Instance.objects.get(contrat=conventions, slug="comite-de-pilotage")
    seance_a = Seance.objects.create(instance=copil, date="2021-10-12")
    decision_a = Decision.objects.create(seance=seance_a, texte="Décision de grand-dijon")
    instance_b = Instance.objects.create(
        contrat=contrat_b.contrat, slug="copil-b", nom="Copil B", nature="comite_pilotage"
    )
    seance_b = Seance.objects.create(instance=instance_b, date="2025-03-04")
    chef_b = Client()
    chef_b.force_login(contrat_b.chef)
    ligne = {"decisions-0-texte": "Écrite par B", "decisions-0-statut": "a_faire", "decisions-0-id": decision_a.pk}
    commun = {
        "instance": instance_b.pk,
        "date": "2025-03-04",
        "heure": "",
        "lieu": "",
        "ordre_du_jour": "",
        "compte_rendu": "",
        "presences-TOTAL_FORMS": 0,
        "presences-INITIAL_FORMS": 0,
        "decisions-TOTAL_FORMS": 1,
        **ligne,
    }
    avant = (Decision.objects.count(), Historique.objects.count())
    # As an existing row of B's séance (a tampered count), and as a new row carrying an id.
    for url, donnees in [
        (f"/seances/{seance_b.pk}/modifier/", {**commun, "version": 1, "decisions-INITIAL_FORMS": 1}),
        (f"/seances/{seance_b.pk}/modifier/", {**commun, "version": 1, "decisions-INITIAL_FORMS": 0}),
        (f"/contrats/{contrat_b.contrat.slug}/seances/ajouter/", {**commun, "decisions-INITIAL_FORMS": 1}),
    ]:
        reponse = chef_b.post(url, donnees)
        assert reponse.status_code == 400, url
        assert "Une ligne envoyée n'est pas une ligne de ce formulaire" in html.unescape(reponse.content.decode())
    assert (Decision.objects.count(), Historique.objects.count()) == avant
    decision_a.refresh_from_db()
    assert (decision_a.texte, decision_a.seance_id) == ("Décision de grand-dijon", seance_a.pk)
    assert not Decision.objects.filter(texte="Écrite par B").exists()


def _textes_de_la_reponse(reponse):
    """What a person reads in a page or a download: the HTML or text, a workbook's cells, a PDF's text."""
    import io

    type_ = reponse.get("Content-Type", "")
    contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
    if "spreadsheet" in type_:
        from openpyxl import load_workbook

        classeur = load_workbook(io.BytesIO(contenu), read_only=True)
        return " ".join(str(v) for f in classeur for ligne in f.iter_rows(values_only=True) for v in ligne if v)
    if "pdf" in type_:
        from pypdf import PdfReader

        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(contenu)).pages)
    return html.unescape(contenu.decode())


def test_b_learns_nothing_of_grand_dijon_s_people_and_nobody_enters_b_without_accepting(
    conventions, contrat_b, comptes, courriels
):
    """B's chef adds every partner of grand-dijon to his contract: no page, export or mail of his names any of
    grand-dijon's people (their name, identifier or address); an organisation brings none of its people into B,
    and a person invited to B holds the role only once accepted."""
    from contrat import permissions
    from contrat.models import Membre, Partenaire
    from engagements import services

    from .test_matrice_urls import MATRICE, _url

    b = contrat_b.contrat
    chef_b = Client()
    chef_b.force_login(contrat_b.chef)
    for partenaire in Partenaire.objects.du_contrat(conventions):
        assert chef_b.post(f"/contrats/{b.slug}/partenaires/{partenaire.pk}/ajouter/").status_code == 302
    assert set(Partenaire.objects.du_contrat(conventions)) <= set(b.partenaires.all())
    # A year of B's life that sends mails: submitted by B's CAF agent, sent back by B's chef.
    caf, pole_emploi = Partenaire.objects.get(slug="caf-21"), Partenaire.objects.get(slug="pole-emploi")
    services.changer_statut(contrat_b.agent_commun, b, caf, 2026, "soumettre", rien_a_declarer=True)
    services.changer_statut(contrat_b.chef, b, caf, 2026, "renvoyer", "Il manque vos lignes.")
    services.changer_statut(contrat_b.chef, b, pole_emploi, 2026, "soumettre", rien_a_declarer=True)
    services.changer_statut(contrat_b.chef, b, pole_emploi, 2026, "renvoyer", "À compléter.")

    personnes_de_a = {m.user for m in Membre.objects.filter(contrat=conventions).select_related("user")}
    personnes_de_a -= {m.user for m in Membre.objects.filter(contrat=b)} | {comptes["admin"]}
    assert {u.username for u in personnes_de_a} >= {"agent.caf", "agent.pole-emploi", "chef.projet", "lecteur"}
    # (an identifier that is a plain word, « lecteur », is the name of a role on every page: not a trace)
    traces = {t for u in personnes_de_a for t in (u.email, u.username, u.get_full_name()) if t and t != "lecteur"}

    pages = [
        (nom, _url(nom, {**kwargs, "slug": b.slug}))
        for nom, (kwargs, _) in sorted(MATRICE.items())
        if set(kwargs) == {"slug"} and kwargs["slug"] == "grand-dijon"
    ]
    lues = 0
    for nom, url in pages + [("accueil", "/"), ("historique", f"/historique/contrat/{b.pk}/")]:
        reponse = chef_b.get(url)
        if reponse.status_code != 200:
            continue
        texte = _textes_de_la_reponse(reponse)
        lues += 1
        assert not {t for t in traces if t in texte}, (nom, url)
    assert lues >= 20
    for courriel in courriels():
        assert not {t for t in traces if t in courriel}, courriel
    # A séance of B convening « the agents of the CAF » names B's CAF agent, none of grand-dijon's.
    from gouvernance import convocation
    from gouvernance.models import Instance, Seance
    from gouvernance.models import Membre as MembreInstance

    comite = Instance.objects.create(contrat=b, slug="financeurs-b", nom="Comité des financeurs", nature="autre")
    MembreInstance.objects.create(instance=comite, groupe="agents", partenaire=caf)
    noms = " ".join(p.libelle for p in convocation.convoques(Seance(instance=comite, date="2026-06-01")))
    assert contrat_b.agent_commun.username in noms or contrat_b.agent_commun.get_full_name() in noms
    assert not {t for t in traces if t in noms}, noms

    # Nobody enters B by being in an organisation of B, nor by being invited: only by accepting.
    agent_caf = comptes["agent.caf"]
    assert agent_caf not in permissions.agents_de(caf, b)
    assert (
        chef_b.post(
            f"/contrats/{b.slug}/membres/", {"email": agent_caf.email, "role": "agent", "partenaire": caf.pk}
        ).status_code
        == 302
    )
    assert not Membre.objects.filter(user=agent_caf, contrat=b).exists()
    agent = Client()
    agent.force_login(agent_caf)
    contribution_b = f"/contrats/{b.slug}/contributions/caf-21/2026/"
    assert agent.get(contribution_b).status_code == 404
    invitation = b.invitations.get(email=agent_caf.email)
    assert agent.post(f"/invitations/{invitation.pk}/repondre/", {"reponse": "accepter"}).status_code == 302
    pris = Membre.objects.get(user=agent_caf, contrat=b)
    assert (pris.role, pris.partenaire, pris.actif) == ("agent", caf, True)
    assert agent.get(contribution_b).status_code == 200

    # Revoked in B: out of B at his next page, still agent of the CAF in grand-dijon.
    pris.refresh_from_db()
    assert chef_b.post(f"/contrats/{b.slug}/membres/{pris.pk}/revoquer/", {"version": pris.version}).status_code == 302
    assert agent.get(contribution_b).status_code == 404
    assert agent.get("/contrats/grand-dijon/contributions/caf-21/2015/").status_code == 200


def _options(page, nom):
    select = re.search(rf'<select name="{nom}"[^>]*>(.*?)</select>', page, re.S)
    assert select, nom
    return set(re.findall(r'<option value="([^"]+)"', select.group(1)))


def test_choices_offered_to_b_name_only_b_s_values(conventions, contrat_b):
    """Filters and forms of B list B's quartiers and organisations: not grand-dijon's."""
    from contrat.models import Partenaire
    from gouvernance.models import Decision, Instance, Seance

    b = contrat_b.contrat
    chenove = Commune.objects.get(slug="chenove")
    le_mail = Quartier.objects.get(slug="chenove-le-mail")
    b.communes.add(chenove)
    PerimetreQuartier.objects.create(contrat=b, quartier=le_mail, nature="veille")
    de_grand_dijon = set(
        Quartier.objects.filter(perimetres__contrat=conventions).exclude(pk=le_mail.pk).values_list("slug", flat=True)
    )
    assert de_grand_dijon
    lecteur = Client()
    lecteur.force_login(contrat_b.lecteur)
    for liste in ("/dispositifs/", "/estimations/"):
        page = lecteur.get(liste).content.decode()
        assert _options(page, "quartier") == {"chenove-le-mail"}, liste
        assert _options(page, "contrat") == {b.slug}
        assert _options(page, "partenaire") == {"testville-agglo", "caf-21"}
    # Not even asked for by name: another contract's quartier is not a choice of this list.
    assert lecteur.get("/dispositifs/", {"quartier": sorted(de_grand_dijon)[0]}).status_code == 400

    seule_a_grand_dijon = Partenaire.objects.get(slug="pole-emploi")
    annexe = lecteur.get(f"/contrats/{b.slug}/annexe-financiere/").content.decode()
    assert _options(annexe, "partenaire") == {"testville-agglo", "caf-21"}
    assert lecteur.get(f"/contrats/{b.slug}/annexe-financiere/", {"partenaire": "pole-emploi"}).status_code == 400

    chef_b = Client()
    chef_b.force_login(contrat_b.chef)
    instance = Instance.objects.create(contrat=b, nom="Comité de B", slug="comite-b", nature="comite_pilotage")
    formulaire = chef_b.get(f"/contrats/{b.slug}/seances/ajouter/").content.decode()
    pks = {
        str(p) for p in Partenaire.objects.filter(slug__in=["testville-agglo", "caf-21"]).values_list("pk", flat=True)
    }
    assert _options(formulaire, "decisions-0-partenaire") == pks
    assert _options(formulaire, "presences-0-partenaire") == pks
    refus = chef_b.post(
        f"/contrats/{b.slug}/seances/ajouter/",
        {
            "instance": instance.pk,
            "date": "2026-10-12",
            "heure": "",
            "lieu": "",
            "ordre_du_jour": "",
            "compte_rendu": "",
            "version": "",
            "presences-TOTAL_FORMS": 0,
            "presences-INITIAL_FORMS": 0,
            "decisions-TOTAL_FORMS": 1,
            "decisions-INITIAL_FORMS": 0,
            "decisions-0-texte": "Relancer",
            "decisions-0-partenaire": seule_a_grand_dijon.pk,
            "decisions-0-echeance": "2026-12-15",
            "decisions-0-statut": "a_faire",
        },
    )
    assert refus.status_code == 400
    assert (
        not Seance.objects.filter(instance=instance).exists() and not Decision.objects.filter(texte="Relancer").exists()
    )


def test_the_migration_gives_each_organisation_wide_member_its_roles_in_its_contracts(conventions, comptes):
    """Nobody loses what they had when roles became per contract: an organisation's agent (a membership without a
    contract) gets one role in each contract its organisation takes part in; a role revoked in a contract stays so."""
    import importlib

    from django.apps import apps
    from django.contrib.auth import get_user_model

    from contrat.models import Membre, Partenaire

    migration = importlib.import_module("contrat.migrations.0014_roles_par_contrat")
    caf = Partenaire.objects.get(slug="caf-21")
    ctg = Contrat.objects.get(slug="ctg-dijon")
    ancienne = get_user_model().objects.create_user("agente.caf.ancienne")
    Membre.objects.create(user=ancienne, partenaire=caf, role="agent")  # as it was: the organisation only
    Membre.objects.create(user=ancienne, partenaire=caf, role="agent", contrat=ctg, actif=False)  # revoked there
    migration.par_contrat(apps, None)
    migration.par_contrat(apps, None)  # twice: nothing more
    roles = {(m.contrat.slug, m.actif) for m in Membre.objects.filter(user=ancienne, contrat__isnull=False)}
    assert ("grand-dijon", True) in roles and ("ctg-dijon", False) in roles
    assert Membre.objects.filter(user=ancienne, contrat=conventions).count() == 1
    # The demo's agent.caf, made the same way, reads and enters what it entered before.
    assert {c.slug for c in Contrat.objects.visible_to(comptes["agent.caf"])} >= {"grand-dijon", "ctg-dijon"}


def test_a_reloaded_official_list_is_in_the_history_of_each_contract_that_shows_the_qpv(
    conventions, contrat_b, tmp_path
):
    call_command("charger_qpv", str(EXEMPLE))
    qpv = QuartierPrioritaire.objects.get(code="QN02191N")
    gresilles = Quartier.objects.get(slug="dijon-gresilles")
    lien_a = PerimetreQuartier.objects.get(contrat=conventions, quartier=gresilles)
    PerimetreQuartier.objects.filter(pk=lien_a.pk).update(qpv=qpv)
    lien_b = PerimetreQuartier.objects.create(contrat=contrat_b.contrat, quartier=gresilles, nature="veille", qpv=qpv)
    fichier = tmp_path / "liste.csv"
    fichier.write_text(
        EXEMPLE.read_text(encoding="utf-8").replace("Grésilles (exemple)", "Les Grésilles (exemple)"), encoding="utf-8"
    )
    call_command("charger_qpv", str(fichier))
    for contrat, lien in ((conventions, lien_a), (contrat_b.contrat, lien_b)):
        (entree,) = Historique.objects.filter(
            contrat_id=contrat.pk, objet="perimetre", objet_id=lien.pk, source="commande"
        )
        assert entree.avant["QPV (liste officielle)"] == "QN02191N Grésilles (exemple)"
        assert entree.apres["QPV (liste officielle)"] == "QN02191N Les Grésilles (exemple)"
    call_command("charger_qpv", str(fichier))  # unchanged: nothing more
    assert Historique.objects.filter(objet="perimetre", source="commande").count() == 2
