"""The bilan of a year over: each partner reports what its planned lines actually mobilised, through
the same grid, lock, history and mails as the planned amounts; the synthèse shows planned, done and
the rate, a done amount not known never counted as 0."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from contrat.models import Partenaire
from engagements import collectes, services
from engagements.models import Collecte, Contribution, Estimation, Nature, Realisation
from noyau import versions
from noyau.models import Historique

BILAN = "/contrats/grand-dijon/contributions/{}/{}/bilan/"


@pytest.fixture
def caf(conventions):
    return Partenaire.objects.get(slug="caf-21")


def lignes_caf_2015(conventions, caf):
    return list(
        Estimation.objects.filter(dispositif__contrat=conventions, partenaire=caf, annee=2015).order_by(
            "dispositif__ordre", "dispositif__pk"
        )
    )


def grille(client, partenaire="caf-21", annee=2015):
    """The bilan page and its POST data as the browser would send it unchanged."""
    reponse = client.get(BILAN.format(partenaire, annee))
    assert reponse.status_code == 200
    formset = reponse.context["formset"]
    donnees = {f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()}
    for form in formset.forms:
        for nom in form.fields:
            valeur = form.initial.get(nom)
            if valeur is not None:
                donnees[form.add_prefix(nom)] = str(valeur)
    donnees["jeton"] = reponse.context["jeton"]
    return reponse, formset, donnees


def rang(formset, estimation):
    return next(i for i, f in enumerate(formset.forms) if f.initial["ligne"] == estimation.pk)


def test_the_agent_reports_three_lines_the_chef_validates_and_the_synthese_counts_only_what_is_known(
    connecter, conventions, caf, django_capture_on_commit_callbacks
):
    lignes = lignes_caf_2015(conventions, caf)
    a, b, c = [e for e in lignes if e.montant_annuel is not None][:3]
    agent = connecter("agent.caf")
    _, formset, donnees = grille(agent)
    assert len(formset.forms) == len(lignes) == 37  # every planned line of 2015, none to add
    donnees[f"bilan-{rang(formset, a)}-montant_realise"] = "1 000 000"
    donnees[f"bilan-{rang(formset, a)}-remarque"] = "Montant versé"
    donnees[f"bilan-{rang(formset, b)}-montant_realise"] = "250 000,50"
    donnees[f"bilan-{rang(formset, c)}-remarque"] = "Chiffre attendu de la direction financière"  # amount unknown
    reponse = agent.post(BILAN.format("caf-21", 2015), donnees)
    assert reponse.status_code == 302
    assert Realisation.objects.get(estimation=a).montant_realise == Decimal("1000000")
    assert Realisation.objects.get(estimation=b).montant_realise == Decimal("250000.50")
    inconnue = Realisation.objects.get(estimation=c)
    assert inconnue.montant_realise is None and inconnue.remarque == "Chiffre attendu de la direction financière"
    assert Realisation.objects.count() == 3  # the lines left blank are not written
    # One history entry per reported line, on the dispositif's page.
    assert Historique.objects.filter(objet="realisation", action="creation").count() == 3
    # The planned amounts are not touched.
    a.refresh_from_db()
    assert a.version == 1

    # Lines still unknown: the page warns, and a submission without the confirmation is refused, in French.
    page = html.unescape(agent.get(BILAN.format("caf-21", 2015)).content.decode())
    assert re.search(r"\d+ lignes sur \d+ ont un réalisé inconnu", page) and "Je soumets avec ces montants" in page
    refus = agent.post(BILAN.format("caf-21", 2015) + "soumettre/", follow=True)
    assert "ont un réalisé inconnu : complétez-les, ou cochez" in html.unescape(refus.content.decode())
    assert not Contribution.objects.filter(partenaire=caf, annee=2015, nature=Nature.BILAN, statut="soumis").exists()
    with django_capture_on_commit_callbacks(execute=True):
        reponse = agent.post(BILAN.format("caf-21", 2015) + "soumettre/", {"inconnus_confirmes": "on"})
        assert reponse.status_code == 302
    bilan = Contribution.objects.get(partenaire=caf, annee=2015, nature=Nature.BILAN)
    assert bilan.statut == Contribution.Statut.SOUMIS
    assert mail.outbox[-1].to == ["chef.projet@example.org"]
    assert "a soumis son bilan 2015" in mail.outbox[-1].subject
    assert "/contrats/grand-dijon/contributions/caf-21/2015/bilan/" in mail.outbox[-1].body
    # The planned contribution of the same year is another thing: still a draft.
    assert not Contribution.objects.filter(partenaire=caf, annee=2015, nature=Nature.PREVISIONNEL).exists()

    chef = connecter("chef.projet")
    with django_capture_on_commit_callbacks(execute=True):
        assert chef.post(BILAN.format("caf-21", 2015) + "valider/").status_code == 302
    bilan.refresh_from_db()
    assert bilan.statut == Contribution.Statut.VALIDE
    assert "Votre bilan 2015 est validé" in mail.outbox[-1].subject

    page = html.unescape(chef.get("/contrats/grand-dijon/synthese/?annee=2015").content.decode())
    tableau = re.search(r'<table class="synthese" id="bilan">.*?</table>', page, re.S).group(0)
    ligne = re.search(
        r"<tr><th scope=\"row\">Caisse d'Allocations Familiales de la Côte-d'Or</th>(.*?)</tr>", tableau, re.S
    ).group(1)
    cellules = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", ligne, re.S)]
    prevu_connus = a.montant_annuel + b.montant_annuel
    taux = (Decimal("1250000.50") / prevu_connus * 100).quantize(Decimal("1"))
    assert cellules == ["43 130 000 €", "1 250 000,50 €", f"{taux} % sur 2 lignes connues sur 37", "35", "Bilan validé"]
    assert "une ligne au réalisé inconnu n'est pas comptée comme zéro" in page
    # The agent's page says the same: 3 lines reported, one of them unknown.
    bref = html.unescape(agent.get(BILAN.format("caf-21", 2015)).content.decode())
    assert "35 lignes au réalisé inconnu, non comptées." in bref and f'<strong id="taux">{taux} %</strong>' in bref


def test_a_validated_bilan_locks_what_was_done_on_every_route_and_reopening_unlocks_it(
    connecter, comptes, conventions, caf
):
    ligne = lignes_caf_2015(conventions, caf)[0]
    realisation = versions.creer(comptes["agent.caf"], Realisation(estimation=ligne, montant_realise=Decimal("10")))
    services.changer_statut(
        comptes["agent.caf"], conventions, caf, 2015, "soumettre", nature=Nature.BILAN, inconnus_confirmes=True
    )
    services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "valider", nature=Nature.BILAN)
    # The grid is closed, the service refuses (as the admin, the import or a command would be).
    assert connecter("agent.caf").get(BILAN.format("caf-21", 2015)).context["formset"] is None
    realisation.montant_realise = Decimal("20")
    with pytest.raises(versions.Verrouille, match="Le bilan 2015 de Caisse d'Allocations Familiales"):
        versions.modifier(comptes["admin"], realisation, realisation.version)
    autre = lignes_caf_2015(conventions, caf)[1]
    with pytest.raises(versions.Verrouille):
        versions.creer(comptes["admin"], Realisation(estimation=autre, montant_realise=Decimal("5")))
    # The grid's writes of many rows at once ask the same rule.
    with pytest.raises(versions.Verrouille):
        versions.creer_en_nombre(
            comptes["admin"],
            [Realisation(estimation=autre, montant_realise=Decimal("5"))],
            source=versions.Source.FORMULAIRE,
        )
    with pytest.raises(versions.Verrouille):
        versions.modifier_en_nombre(comptes["admin"], [(realisation, realisation.version)])
    # The planned lines of 2015 are not locked by the bilan: it locks what was done, not what was planned.
    ligne.remarque_annuelle = "Précision"
    versions.modifier(comptes["chef.projet"], ligne, ligne.version)
    # Reopened with a reason: what was done may change again.
    chef = connecter("chef.projet")
    assert (
        chef.post(BILAN.format("caf-21", 2015) + "rouvrir/", {"commentaire": "Le montant est à revoir."}).status_code
        == 302
    )
    realisation.refresh_from_db()
    realisation.montant_realise = Decimal("20")
    versions.modifier(comptes["agent.caf"], realisation, realisation.version)
    assert Realisation.objects.get(pk=realisation.pk).montant_realise == Decimal("20")


def test_a_validated_planned_contribution_does_not_stop_the_bilan(connecter, comptes, conventions, caf):
    services.changer_statut(comptes["agent.caf"], conventions, caf, 2015, "soumettre")
    services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "valider")
    agent = connecter("agent.caf")
    _, formset, donnees = grille(agent)
    donnees["bilan-0-montant_realise"] = "12"
    assert agent.post(BILAN.format("caf-21", 2015), donnees).status_code == 302
    assert Realisation.objects.get().montant_realise == Decimal("12")


def test_a_year_not_over_has_no_bilan_on_any_route(connecter, comptes, conventions, caf):
    annee = timezone.localdate().year
    # A line of the current year (the contract is prolonged to it for the test).
    conventions.annee_fin_prolongation = annee
    conventions.save()
    ligne = lignes_caf_2015(conventions, caf)[0]
    courante = versions.creer(
        comptes["chef.projet"],
        Estimation(dispositif=ligne.dispositif, partenaire=caf, annee=annee, montant_annuel=Decimal("1")),
    )
    assert connecter("agent.caf").get(BILAN.format("caf-21", annee)).status_code == 404
    with pytest.raises(versions.Verrouille, match=f"L'année {annee} n'est pas achevée"):
        versions.creer(comptes["admin"], Realisation(estimation=courante, montant_realise=Decimal("1")))
    reponse = connecter("chef.projet").post(
        "/contrats/grand-dijon/collectes/ouvrir/",
        {"annee": annee, "nature": "bilan", "echeance": "2030-01-31", "partenaires": [caf.pk]},
    )
    assert reponse.status_code == 400
    assert (
        f"L&#x27;année {annee} n&#x27;est pas achevée : son bilan s&#x27;ouvre à partir de {annee + 1}."
        in reponse.content.decode()
    )


def test_a_bad_amount_is_refused_on_its_row_and_nothing_is_saved(connecter, conventions, caf):
    agent = connecter("agent.caf")
    _, formset, donnees = grille(agent)
    donnees["bilan-0-montant_realise"] = "12"
    donnees["bilan-1-montant_realise"] = "-5"
    reponse = agent.post(BILAN.format("caf-21", 2015), donnees)
    assert reponse.status_code == 400
    texte = html.unescape(reponse.content.decode())
    assert "La grille contient des erreurs" in texte and "négatif" in texte
    assert not Realisation.objects.exists()


def test_a_line_reported_by_a_colleague_meanwhile_is_not_overwritten(connecter, comptes, conventions, caf):
    agent = connecter("agent.caf")
    _, formset, donnees = grille(agent)
    premiere = lignes_caf_2015(conventions, caf)[0]
    versions.creer(comptes["admin"], Realisation(estimation=premiere, montant_realise=Decimal("7")))
    donnees[f"bilan-{rang(formset, premiere)}-montant_realise"] = "9"
    donnees["bilan-1-montant_realise"] = "3"
    reponse = agent.post(BILAN.format("caf-21", 2015), donnees)
    assert reponse.status_code == 409
    assert "renseignée entre-temps par quelqu'un d'autre" in html.unescape(reponse.content.decode())
    assert Realisation.objects.get(estimation=premiere).montant_realise == Decimal("7")
    assert Realisation.objects.count() == 2


def test_a_bilan_campaign_is_opened_followed_and_reminded_apart_from_the_planned_one(
    connecter, comptes, conventions, caf, django_capture_on_commit_callbacks
):
    chef = connecter("chef.projet")
    reponse = chef.post(
        "/contrats/grand-dijon/collectes/ouvrir/",
        {
            "annee": 2015,
            "nature": "bilan",
            "echeance": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "partenaires": [caf.pk],
        },
    )
    assert reponse.status_code == 302 and reponse["Location"].endswith("?annee=2015&nature=bilan")
    collecte = Collecte.objects.get(contrat=conventions, annee=2015, nature=Nature.BILAN)
    # The planned campaign of the same year may still be opened.
    assert (
        chef.post(
            "/contrats/grand-dijon/collectes/ouvrir/",
            {"annee": 2015, "nature": "previsionnel", "echeance": "2030-01-31", "partenaires": [caf.pk]},
        ).status_code
        == 302
    )
    # A second bilan of the same year is refused in French.
    again = chef.post(
        "/contrats/grand-dijon/collectes/ouvrir/",
        {"annee": 2015, "nature": "bilan", "echeance": "2030-01-31", "partenaires": [caf.pk]},
    )
    assert "Le bilan 2015 est déjà ouvert" in html.unescape(again.content.decode())
    tableau = html.unescape(chef.get("/contrats/grand-dijon/tableau-de-bord/?annee=2015&nature=bilan").content.decode())
    assert "<h1>Bilan 2015" in tableau and "(dont 37 au réalisé inconnu)" in tableau
    assert "/contrats/grand-dijon/contributions/caf-21/2015/bilan/" in tableau
    positions = collectes.suivi(conventions, 2015, collecte)
    assert [(p.partenaire.slug, p.etat, p.sans_montant) for p in positions] == [
        ("caf-21", collectes.Etat.NON_COMMENCEE, 37)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        faites, _, _ = collectes.relancer(collecte, positions, timezone.localdate())
    assert faites == [caf]
    assert "Rappel : bilan 2015 attendu" in mail.outbox[-1].subject
    assert "/contrats/grand-dijon/contributions/caf-21/2015/bilan/" in mail.outbox[-1].body
    # The agent's home page leads to the bilan, the chef's follows it.
    accueil = html.unescape(connecter("agent.caf").get("/").content.decode())
    assert (
        '<a href="/contrats/grand-dijon/contributions/caf-21/2015/bilan/">Bilan 2015 de CAF — Contrat de ville de la '
        "métropole dijonnaise</a>"
    ) in accueil
    assert "Réalisé connu sur 0 des 37 lignes prévues." in accueil
    accueil = html.unescape(connecter("chef.projet").get("/").content.decode())
    assert "Bilan 2015 : 0 / 1 validée" in accueil and "Tableau de bord du bilan" in accueil


def test_the_partner_page_shows_planned_and_done_year_by_year_with_its_chart(connecter, comptes, conventions, caf):
    lignes = [e for e in lignes_caf_2015(conventions, caf) if e.montant_annuel is not None]
    versions.creer(comptes["agent.caf"], Realisation(estimation=lignes[0], montant_realise=lignes[0].montant_annuel))
    versions.creer(comptes["agent.caf"], Realisation(estimation=lignes[1], montant_realise=None, remarque="À venir"))
    page = html.unescape(connecter("lecteur").get("/partenaires/caf-21/").content.decode())
    assert "Prévu et réalisé, année par année — Contrat de ville de la métropole dijonnaise" in page
    rangee = re.search(r'<table class="bilan-annees">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    cellules = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", rangee, re.S)]
    from noyau.montants import euros

    assert cellules == [
        "2015",
        "43 130 000 €",
        euros(lignes[0].montant_annuel),
        "100 % sur 1 ligne connue sur 37",
        "36",
    ]
    # The chart draws both amounts, and says the rate.
    assert (
        f"réalisé {euros(lignes[0].montant_annuel)} (100 % sur 1 ligne connue sur 37)" in page
        and "prévu 43 130 000 €" in page
    )
    # A partner that reported nothing has no such table.
    assert (
        "Prévu et réalisé, année par année"
        not in connecter("lecteur").get("/partenaires/pole-emploi/").content.decode()
    )


def test_the_annexe_page_shows_planned_done_and_rate_once_the_year_is_over(connecter, conventions, caf):
    from noyau.montants import euros

    lignes = lignes_caf_2015(conventions, caf)
    a, b = [e for e in lignes if e.montant_annuel][:2]
    Realisation.objects.create(estimation=a, montant_realise=a.montant_annuel * 2)
    Realisation.objects.create(estimation=b, montant_realise=None, remarque="Montant attendu")
    client = connecter("lecteur")
    page = html.unescape(client.get("/contrats/grand-dijon/annexe-financiere/?annee=2015").content.decode())
    tableau = page[page.index('id="bilan-annexe"') :]
    tableau = tableau[: tableau.index("</table>")]
    rang = re.search(
        r"<tr><th scope=\"row\">Caisse d'Allocations Familiales de la Côte-d'Or</th>(.*?)</tr>", tableau
    ).group(1)
    cellules = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", rang)]
    # Planned: the whole year; done: the one line known; the rate over that line only; the others unknown.
    assert cellules == [
        euros(sum(e.montant_annuel or 0 for e in lignes)),
        euros(a.montant_annuel * 2),
        "200 % sur 1 ligne connue sur 37",
        str(len(lignes) - 1),
    ]
    # A past version of the annexe (as signed) has no bilan; nor has a year not over.
    assert (
        'id="bilan-annexe"'
        not in client.get("/contrats/grand-dijon/annexe-financiere/?annee=2015&au=2016-01-01").content.decode()
    )
    assert 'id="bilan-annexe"' not in client.get("/contrats/ctg-dijon/annexe-financiere/").content.decode()


def test_the_synthese_charts_each_pilier_over_the_years(connecter, conventions, caf, django_assert_num_queries):
    from engagements.synthese import piliers_par_annee

    a = next(e for e in lignes_caf_2015(conventions, caf) if e.montant_annuel)
    Realisation.objects.create(estimation=a, montant_realise=a.montant_annuel)
    with django_assert_num_queries(3):
        rangs = piliers_par_annee(conventions)
    assert rangs
    # One rule with the annexe: a line counts under the one pilier the annexe prints it in.
    from engagements.annexe import Annexe

    blocs = {b.pilier.pk: b.lignes for b in Annexe(conventions, 2015).piliers}
    for pilier, annees in rangs:
        lignes = blocs[pilier.pk]
        assert [annee for annee, _ in annees] == [2015]
        assert annees[0][1].prevu == sum(e.montant_annuel or 0 for e in lignes)
        assert annees[0][1].inconnus == len(lignes) - (1 if a in lignes else 0)
    (servi,) = [pk for pk, lignes in blocs.items() if a in lignes]
    assert {p.pk for p, annees in rangs if annees[0][1].realise} == {servi}
    page = html.unescape(connecter("lecteur").get("/contrats/grand-dijon/synthese/?annee=2015").content.decode())
    assert "Prévu et réalisé par pilier, année par année" in page
    for pilier, _ in rangs:
        assert f"Prévu et réalisé par année — {pilier.libelle}" in page


def test_the_bilan_grid_is_written_in_a_number_of_queries_that_does_not_grow_with_its_rows(comptes, conventions, caf):
    """The bilan's lock and its year rule are asked once for the whole grid, not once per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from engagements.bilan import Bilan

    def enregistrer(nombre, montant):
        grille = Bilan(conventions, caf, 2015)
        formset = grille.formset()
        donnees = {"bilan-TOTAL_FORMS": str(len(formset.forms)), "bilan-INITIAL_FORMS": str(len(formset.forms))}
        for i, form in enumerate(formset.forms):
            donnees.update(
                {
                    f"bilan-{i}-ligne": form.initial["ligne"],
                    f"bilan-{i}-version": form.initial["version"],
                    f"bilan-{i}-montant_realise": montant if i < nombre else "",
                }
            )
        formset = grille.formset(donnees)
        assert formset.is_valid()
        with CaptureQueriesContext(connection) as requetes:
            ecrites, refus = grille.enregistrer(comptes["agent.caf"], formset)
        assert (ecrites, refus) == (nombre, [])
        return len(requetes.captured_queries)

    # Created, then changed: 3 rows and 30 rows cost the same.
    creer_3, changer_3 = enregistrer(3, "10"), enregistrer(3, "20")
    Realisation.objects.all().delete()
    creer_30, changer_30 = enregistrer(30, "10"), enregistrer(30, "20")
    assert (creer_3, changer_3) == (creer_30, changer_30)


def test_a_bilan_submitted_without_an_open_campaign_is_on_the_chef_s_home(connecter, comptes, conventions, caf):
    """No bilan campaign is open, the agent submits its 2015 bilan all the same: the chef's home lists it to
    read and validate, with its link; once validated, it leaves the list."""
    services.changer_statut(
        comptes["agent.caf"], conventions, caf, 2015, "soumettre", nature=Nature.BILAN, inconnus_confirmes=True
    )
    page = connecter("chef.projet").get("/")
    texte = html.unescape(page.content.decode())
    assert "Soumis, à relire et valider" in texte
    assert (
        f"href=\"{BILAN.format('caf-21', 2015)}\">Caisse d'Allocations Familiales de la Côte-d'Or — bilan 2015" in texte
    )
    services.changer_statut(comptes["chef.projet"], conventions, caf, 2015, "valider", nature=Nature.BILAN)
    assert "— bilan 2015" not in html.unescape(connecter("chef.projet").get("/").content.decode())
