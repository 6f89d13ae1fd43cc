"""Every URL of the project, for every role: the expected status.

A URL added to the project without a row here makes `test_every_url_is_in_the_matrix` fail.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from engagements.models import Dispositif, Estimation

# ddets.21 reads the contracts of the département 21 (read only); reseau.caf reads the CAF's lines across contracts
# (/consolidation/), no contract page.
ROLES = ["anonyme", "agent.caf", "agent.pole-emploi", "lecteur", "chef.projet", "admin", "ddets.21", "reseau.caf"]
CONNEXION = 302  # anonymous: sent to the login page

# name: (kwargs, statuses in the order of ROLES). The CAF rows belong to agent.caf.
MATRICE = {
    # The home page: what each one has to do (tests/test_campagne.py checks its content).
    "accueil": ({}, [CONNEXION, 200, 200, 200, 200, 200, 200, 200]),
    "login": ({}, [200, 200, 200, 200, 200, 200, 200, 200]),
    # The footer's pages, open to everyone.
    "accessibilite": ({}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "mentions_legales": ({}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "donnees_personnelles": ({}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "sante": ({}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "logout": ({}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "password_change": ({}, [CONNEXION, 200, 200, 200, 200, 200, 200, 200]),
    "password_change_done": ({}, [CONNEXION, 200, 200, 200, 200, 200, 200, 200]),
    "password_reset": ({}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "password_reset_done": ({}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "password_reset_confirm": ({"uidb64": "MQ", "token": "jeton-invalide"}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "password_reset_complete": ({}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "admin:index": ({}, [CONNEXION, 302, 302, 302, 302, 200, 302, 302]),
    "contrat:liste": ({}, [CONNEXION, 200, 200, 200, 200, 200, 200, 200]),
    # A territory runs itself: the administrateur creates the contract, its chef de projet keeps it.
    "contrat:creer": ({}, [CONNEXION, 403, 403, 403, 403, 200, 403, 403]),
    "contrat:modifier": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "contrat:perimetre": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "contrat:commune_ajouter": ({"slug": "grand-dijon"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "contrat:quartier_ajouter": ({"slug": "grand-dijon"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "contrat:quartier_retirer": (
        {"slug": "grand-dijon", "pk": "perimetre"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "contrat:commune_retirer": (
        {"slug": "grand-dijon", "pk": "commune"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    # The official list of the quartiers prioritaires: picked into the perimeter, linked as a successor.
    "contrat:qpv_ajouter": ({"slug": "grand-dijon"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "contrat:quartier_successeur": ({"slug": "grand-dijon"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "contrat:partenaires": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "contrat:partenaire_ajouter": (
        {"slug": "grand-dijon", "pk": "partenaire-caf"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "contrat:documents": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "contrat:signataire_ajouter": ({"slug": "grand-dijon"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "contrat:arbre": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "contrat:noeud_ajouter": (
        {"slug": "grand-dijon", "nature": "pilier"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "contrat:noeud_modifier": (
        {"slug": "grand-dijon", "nature": "objectif", "pk": "objectif-pk"},
        [CONNEXION, 403, 403, 403, 200, 200, 403, 404],
    ),
    "contrat:noeud_archiver": (
        {"slug": "grand-dijon", "nature": "objectif", "pk": "objectif-pk"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "contrat:noeud_deplacer": (
        {"slug": "grand-dijon", "nature": "objectif", "pk": "objectif-pk", "sens": "monter"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "contrat:membres": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "contrat:membre_revoquer": (
        {"slug": "grand-dijon", "pk": "membre-chef"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    # Answered by the account the invitation is for: any other gets 404 (tests/test_territoire.py).
    "contrat:invitation_repondre": ({"pk": "invitation"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "contrat:invitation_renvoyer": (
        {"slug": "grand-dijon", "pk": "invitation"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "contrat:invitation_revoquer": (
        {"slug": "grand-dijon", "pk": "invitation"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    # The invitee's page opens without an account (the link is the key).
    "contrat:invitation": ({"jeton": "jeton-invitation"}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "contrat:invitation_nouveau_lien": ({"jeton": "jeton-invitation"}, [405, 405, 405, 405, 405, 405, 405, 405]),
    "contrat:detail": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:annexe": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:annexe_pdf": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:annexe_xlsx": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:tableau_de_bord": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "importation:annexe_importer": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "importation:import_confirmer": ({"pk": "import"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    # A background export of grand-dijon's annexe, seen by those who see the contract.
    "engagements:export": ({"pk": "export"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:export_fichier": ({"pk": "export"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:dispositif_creer": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 403, 403, 200, 403, 404]),
    "engagements:contribution": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 200, 200, 200, 200, 200, 200, 404],
    ),
    "engagements:contribution_soumettre": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:contribution_valider": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:contribution_renvoyer": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:contribution_rouvrir": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:contribution_reprendre": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2016},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    # The bilan of a year over: seen by those who see the contract, entered by the partner's agents.
    "engagements:bilan": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 200, 200, 200, 200, 200, 200, 404],
    ),
    "engagements:bilan_soumettre": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:bilan_valider": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:bilan_renvoyer": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:bilan_rouvrir": (
        {"slug": "grand-dijon", "partenaire_slug": "caf-21", "annee": 2015},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:bilan_collecte_modifier": (
        {"slug": "grand-dijon", "annee": "bilan"},
        [CONNEXION, 403, 403, 403, 200, 200, 403, 404],
    ),
    "engagements:bilan_collecte_relancer": (
        {"slug": "grand-dijon", "annee": "bilan"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    # The yearly campaign: the chef de projet's (and the administrator's).
    "engagements:collecte_ouvrir": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "engagements:collecte_modifier": (
        {"slug": "grand-dijon", "annee": "collecte"},
        [CONNEXION, 403, 403, 403, 200, 200, 403, 404],
    ),
    "engagements:collecte_relancer": (
        {"slug": "grand-dijon", "annee": "collecte"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:courriel_renvoyer": (
        {"slug": "grand-dijon", "pk": "courriel"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    # Open data: members only until the chef de projet publishes them (tests/test_donnees_ouvertes.py).
    "engagements:donnees_engagements": (
        {"slug": "grand-dijon", "format": "csv"},
        [CONNEXION, 200, 200, 200, 200, 200, 200, 404],
    ),
    # The published contracts of a région, for anyone (none of the conventions is published: an empty file).
    "engagements:donnees_region": ({"code": "27", "format": "json"}, [200, 200, 200, 200, 200, 200, 200, 200]),
    "engagements:schema_engagements": ({}, [200, 200, 200, 200, 200, 200, 200, 200]),
    # The yearly report: its PDF for whoever sees the contract; the sending and opinions for its chef de projet.
    "rapport:pdf": ({"slug": "grand-dijon", "annee": 2019}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "rapport:page": ({"slug": "grand-dijon", "annee": 2019}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "rapport:avis_modifier": (
        {"slug": "grand-dijon", "annee": 2019, "pk": "avis"},
        [CONNEXION, 403, 403, 403, 200, 200, 403, 404],
    ),
    # Commitments that are not amounts, year by year: each partner its own, the chef de projet all
    # (tests/test_tenues.py).
    "tenues:accueil": ({"slug": "grand-dijon"}, [CONNEXION, 302, 302, 302, 302, 302, 302, 404]),
    "tenues:annee": ({"slug": "grand-dijon", "annee": 2016}, [CONNEXION, 200, 200, 403, 200, 200, 403, 404]),
    "tenues:valider_tout": ({"slug": "grand-dijon", "annee": 2016}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "tenues:transition": (
        {"slug": "grand-dijon", "annee": 2016, "pk": "tenue", "action": "valider"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "engagements:synthese": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:synthese_pdf": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:synthese_xlsx": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:dispositifs": ({}, [CONNEXION, 200, 200, 200, 200, 200, 200, 200]),
    "engagements:dispositifs_export": ({"format": "csv"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 200]),
    "engagements:estimations": ({}, [CONNEXION, 200, 200, 200, 200, 200, 200, 200]),
    "engagements:estimations_export": ({"format": "xlsx"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 200]),
    "engagements:dispositif": ({"pk": "caf"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "engagements:dispositif_modifier": ({"pk": "caf"}, [CONNEXION, 200, 403, 403, 403, 200, 403, 404]),
    "engagements:dispositif_archiver": ({"pk": "caf"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "engagements:estimation_creer": ({"pk": "caf"}, [CONNEXION, 200, 403, 403, 403, 200, 403, 404]),
    "engagements:estimation_modifier": ({"pk": "caf-estimation"}, [CONNEXION, 200, 403, 403, 403, 200, 403, 404]),
    "engagements:estimation_supprimer": ({"pk": "caf-estimation"}, [CONNEXION, 200, 403, 403, 403, 200, 403, 404]),
    "fiches:liste": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "fiches:recueil_pdf": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "fiches:xlsx": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "fiches:indicateurs": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "fiches:indicateurs_xlsx": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "fiches:detail": ({"pk": "fiche-3"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "fiches:pdf": ({"pk": "fiche-3"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "fiches:modifier": ({"pk": "fiche-3"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    # The CAF's engagement in fiche action 7: its agents and the chef de projet only.
    "fiches:engagement_modifier": ({"pk": "engagement-caf"}, [CONNEXION, 200, 403, 403, 200, 200, 403, 404]),
    # A CTG fiche carried by the Ville and the CAF: only they (and the administrator) see the CTG; the DDETS of
    # the 21 reads it, and enters nothing.
    "fiches:mesures": ({"pk": "indicateur-ctg"}, [CONNEXION, 200, 404, 404, 404, 200, 403, 404]),
    "fiches:partenaire": ({"slug": "caf-21"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 200]),
    "gouvernance:page": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "gouvernance:seances_ics": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "gouvernance:pdf": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "gouvernance:decisions_xlsx": ({"slug": "grand-dijon"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "gouvernance:seance_creer": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "gouvernance:instance_creer": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "gouvernance:instance_modifier": ({"pk": "instance-copil"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "gouvernance:instance_supprimer": ({"pk": "instance-copil"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "gouvernance:instance_retablir": ({"pk": "instance-copil"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    "gouvernance:colonnes": ({"slug": "grand-dijon"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "gouvernance:partage_accepter": (
        {"slug": "grand-dijon", "pk": "instance-copil"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "gouvernance:partage_retirer": (
        {"slug": "grand-dijon", "pk": "instance-copil"},
        [CONNEXION, 405, 405, 405, 405, 405, 405, 405],
    ),
    "gouvernance:seance": ({"pk": "seance"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "gouvernance:seance_modifier": ({"pk": "seance"}, [CONNEXION, 403, 403, 403, 200, 200, 403, 404]),
    "gouvernance:seance_fichier": ({"pk": "seance"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "gouvernance:convocation_pdf": ({"pk": "seance"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "gouvernance:releve_pdf": ({"pk": "seance"}, [CONNEXION, 200, 200, 200, 200, 200, 200, 404]),
    "gouvernance:decision_statut": ({"pk": "decision"}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    # The view across contracts: the State's services and the partner networks, read only.
    "consolidation:page": ({}, [CONNEXION, 403, 403, 403, 403, 200, 200, 200]),
    "consolidation:pdf": ({}, [CONNEXION, 403, 403, 403, 403, 200, 200, 200]),
    # Roles across contracts: granted and revoked by an administrateur (or a wider role: tests/test_consolidation.py).
    "consolidation:roles": ({}, [CONNEXION, 403, 403, 403, 403, 200, 403, 403]),
    "consolidation:role_revoquer": ({"pk": 1}, [CONNEXION, 405, 405, 405, 405, 405, 405, 405]),
    # A forged link: refused to everyone, signed in or not.
    "consolidation:role_lien": ({"jeton": "jeton-invalide"}, [410, 410, 410, 410, 410, 410, 410, 410]),
    "consolidation:export": ({"tableau": "contrats", "format": "json"}, [CONNEXION, 403, 403, 403, 403, 200, 200, 200]),
}


def noms_des_urls(motifs=None, espace=""):
    for motif in motifs if motifs is not None else get_resolver().url_patterns:
        if isinstance(motif, URLResolver):
            sous_espace = f"{espace}{motif.namespace}:" if motif.namespace else espace
            if motif.namespace == "admin":
                yield "admin:index"  # Django's admin guards its own pages; its door is checked here
                continue
            yield from noms_des_urls(motif.url_patterns, sous_espace)
        elif isinstance(motif, URLPattern) and motif.name:
            yield f"{espace}{motif.name}"


def test_every_url_is_in_the_matrix():
    assert set(noms_des_urls()) == set(MATRICE)


def _seance():
    from datetime import date

    from django.core.files.base import ContentFile

    from gouvernance.models import Decision, Instance, Seance

    copil = Instance.objects.get(contrat__slug="grand-dijon", slug="comite-de-pilotage")
    seance = Seance.objects.create(
        instance=copil, date=date(2021, 10, 12), fichier=ContentFile(b"%PDF-1.4 compte rendu", name="compte-rendu.pdf")
    )
    Decision.objects.create(
        seance=seance, texte="Transmettre le bilan", partenaire_id=copil.membres.first().partenaire_id
    )
    return seance


def _quartier():
    from contrat.models import Commune, Quartier

    commune = Commune.objects.get_or_create(slug="matrice", defaults={"nom": "Matrice"})[0]
    return Quartier.objects.get_or_create(slug="matrice-centre", defaults={"nom": "Centre", "commune": commune})[0]


def _url(nom, kwargs):
    from fiches.models import Engagement, Fiche, Indicateur

    dispositif = Dispositif.objects.get(contrat__slug="grand-dijon", code="caf-2015-06")
    valeurs = {
        "caf": dispositif.pk,
        "caf-estimation": dispositif.estimations.get(annee=2015).pk,
        "fiche-3": Fiche.objects.get(contrat__slug="grand-dijon", slug="fiche-action-3").pk,
        "engagement-caf": Engagement.objects.get(fiche__slug="fiche-action-7", partenaire__slug="caf-21").pk,
        "indicateur-ctg": Indicateur.objects.filter(fiche__contrat__slug="ctg-dijon", fiche__slug="axe-2-fiche-2")
        .first()
        .pk,
    }
    if "instance-copil" in kwargs.values():
        from gouvernance.models import Instance

        valeurs["instance-copil"] = Instance.objects.get(contrat__slug="grand-dijon", slug="comite-de-pilotage").pk
    if "import" in kwargs.values():
        from django.core.files.base import ContentFile

        from importation.models import ImportAnnexe

        valeurs["import"] = ImportAnnexe.objects.create(
            contrat=dispositif.contrat,
            partenaire=dispositif.partenaire,
            nom_fichier="annexe.xlsx",
            empreinte="x",
            fichier=ContentFile(b"PK", name="annexe.xlsx"),
        ).pk
    if "export" in kwargs.values():
        from django.core.files.base import ContentFile

        from engagements.models import Export

        valeurs["export"] = Export.objects.get_or_create(
            cle="c" * 64,
            defaults=dict(
                sujet="s" * 64,
                nature="annexe_pdf",
                contrat=dispositif.contrat,
                nom_fichier="annexe.pdf",
                statut=Export.Statut.PRET,
                fichier=ContentFile(b"%PDF-1.4", name="annexe.pdf"),
            ),
        )[0].pk
    if {"perimetre", "partenaire-caf", "objectif-pk", "membre-chef", "invitation", "jeton-invitation"} & set(
        kwargs.values()
    ):
        from contrat.models import Invitation, Membre, Objectif, Partenaire, PerimetreQuartier

        contrat = dispositif.contrat
        if not contrat.perimetre.exists():
            PerimetreQuartier.objects.create(contrat=contrat, quartier=_quartier(), nature="prioritaire")
        invitation = Invitation.objects.get_or_create(
            contrat=contrat,
            email="invite@exemple.fr",
            defaults=dict(role="lecteur", partenaire=contrat.porteur or dispositif.partenaire, jeton="j" * 24),
        )[0]
        from contrat.invitations import _lien

        valeurs.update(
            {
                "perimetre": contrat.perimetre.first().pk,
                "partenaire-caf": Partenaire.objects.get(slug="caf-21").pk,
                "objectif-pk": Objectif.objects.filter(orientation__pilier__contrat=contrat).first().pk,
                "membre-chef": Membre.objects.get(contrat=contrat, role="chef_de_projet").pk,
                "invitation": invitation.pk,
                "jeton-invitation": _lien(invitation).split("/")[2],
            }
        )
    if "commune" in kwargs.values():
        valeurs["commune"] = dispositif.contrat.communes.order_by("pk").first().pk
    if "collecte" in kwargs.values():
        from datetime import date

        from engagements.models import Collecte

        Collecte.objects.get_or_create(
            contrat=dispositif.contrat, annee=2016, defaults={"echeance": date(2026, 12, 31)}
        )
        valeurs["collecte"] = 2016
    if "bilan" in kwargs.values():
        from datetime import date

        from engagements.models import Collecte, Nature

        Collecte.objects.get_or_create(
            contrat=dispositif.contrat, annee=2015, nature=Nature.BILAN, defaults={"echeance": date(2026, 12, 31)}
        )
        valeurs["bilan"] = 2015
    if "avis" in kwargs.values():
        from datetime import date

        from gouvernance.models import Avis

        valeurs["avis"] = Avis.objects.get_or_create(
            contrat=dispositif.contrat, annee=2019, conseil="Conseil citoyen", defaults={"envoye_le": date(2020, 3, 2)}
        )[0].pk
    if "tenue" in kwargs.values():
        from engagements.models import EngagementReciproque
        from tenues.models import Tenue

        engagement = EngagementReciproque.objects.filter(partenaire__slug="caf-21").first()
        valeurs["tenue"] = Tenue.objects.get_or_create(
            contrat=dispositif.contrat,
            engagement_reciproque=engagement,
            annee=2016,
            defaults={"partenaire": engagement.partenaire},
        )[0].pk
    if "courriel" in kwargs.values():
        from noyau.models import Courriel

        valeurs["courriel"] = Courriel.objects.create(
            contrat_id=dispositif.contrat_id, nature="relance", sujet="Relance", corps="…", statut=Courriel.Statut.ECHEC
        ).pk
    if "seance" in kwargs.values() or "decision" in kwargs.values():
        seance = _seance()
        valeurs.update({"seance": seance.pk, "decision": seance.decisions.get().pk})
    return reverse(nom, kwargs={k: valeurs.get(v, v) for k, v in kwargs.items()})


@pytest.mark.parametrize("nom", sorted(MATRICE))
def test_each_role_gets_the_expected_status(connecter, nom, pdf_une_fois):
    kwargs, attendus = MATRICE[nom]
    url = _url(nom, kwargs)
    obtenus = [connecter(None if role == "anonyme" else role).get(url).status_code for role in ROLES]
    assert obtenus == attendus, dict(zip(ROLES, obtenus))


@pytest.fixture
def revoque(comptes, conventions):
    """A reader of grand-dijon by a contract's invitation, whose role the chef de projet revoked."""
    from django.contrib.auth import get_user_model

    from contrat.models import Membre, Partenaire

    user = get_user_model().objects.create_user("ancien.lecteur", email="ancien.lecteur@exemple.fr")
    Membre.objects.create(
        user=user,
        partenaire=Partenaire.objects.get(slug="dijon-metropole"),
        role="lecteur",
        contrat=conventions,
        actif=False,
    )
    return user


@pytest.mark.parametrize("nom", sorted(MATRICE))
def test_a_revoked_member_gets_no_more_than_an_account_without_a_role(client, nom, revoque):
    """The row of a revoked member: every page of the contract is a 404 (or a 405 for a POST-only
    address), and nowhere more than an account that was never given a role."""
    from django.contrib.auth import get_user_model

    kwargs, _ = MATRICE[nom]
    url = _url(nom, kwargs)
    client.force_login(revoque)
    obtenu = client.get(url).status_code
    client.force_login(get_user_model().objects.create_user("sans.role"))
    assert obtenu == client.get(url).status_code, url
    if url.startswith("/contrats/grand-dijon/"):
        assert obtenu in (404, 405), (url, obtenu)


@pytest.mark.parametrize("role", ["agent.pole-emploi", "lecteur", "chef.projet"])
def test_others_cannot_change_a_caf_line_by_get_or_post(connecter, role):
    dispositif = Dispositif.objects.get(contrat__slug="grand-dijon", code="caf-2015-06")  # 12 100 000 €
    estimation = dispositif.estimations.get(annee=2015)
    client = connecter(role)
    assert client.get(f"/dispositifs/{dispositif.pk}/modifier/").status_code in (403, 404)
    reponses = [
        client.post(
            f"/dispositifs/{dispositif.pk}/modifier/",
            {"partenaire": dispositif.partenaire_id, "intitule": "piraté", "statut": "actif", "version": 1},
        ),
        client.post(
            f"/estimations/{estimation.pk}/modifier/",
            {"partenaire": estimation.partenaire_id, "annee": 2015, "montant_annuel": "1", "version": 1},
        ),
        client.post(f"/estimations/{estimation.pk}/supprimer/", {"version": 1}),
        client.post(f"/dispositifs/{dispositif.pk}/archiver/", {"version": 1}),
        client.post("/contrats/grand-dijon/contributions/caf-21/2015/soumettre/"),
    ]
    assert [r.status_code for r in reponses] == [403] * 5
    dispositif.refresh_from_db()
    estimation.refresh_from_db()
    assert dispositif.intitule == "solvabilisation des familles" and not dispositif.archive
    assert estimation.montant_annuel == 12100000
    annexe = connecter(role).get("/contrats/grand-dijon/annexe-financiere/").content.decode()
    assert "43 130 000 €" in annexe


def test_the_owning_agent_gets_the_form(connecter):
    dispositif = Dispositif.objects.get(contrat__slug="grand-dijon", code="caf-2015-06")
    response = connecter("agent.caf").get(f"/dispositifs/{dispositif.pk}/modifier/")
    assert response.status_code == 200
    assert 'name="intitule"' in response.content.decode()


def test_a_contract_outside_ones_partners_is_a_404(connecter, comptes):
    from contrat.models import Contrat, Membre, Partenaire

    autre = Contrat.objects.create(
        nom="Contrat de ville d'ailleurs", slug="ailleurs", territoire="Ailleurs", annee_debut=2015, annee_fin=2020
    )
    ailleurs = Partenaire.objects.create(nom="Ville d'ailleurs", sigle="Ailleurs", slug="ville-ailleurs")
    d = Dispositif.objects.create(contrat=autre, code="x", partenaire=ailleurs, intitule="Ligne d'ailleurs")
    Estimation.objects.create(dispositif=d, partenaire=ailleurs, annee=2016, montant_annuel=5)
    client = connecter("agent.caf")
    for url in [
        "/contrats/ailleurs/",
        "/contrats/ailleurs/annexe-financiere/",
        "/contrats/ailleurs/annexe-financiere.pdf",
        f"/dispositifs/{d.pk}/",
        f"/dispositifs/{d.pk}/modifier/",
    ]:
        assert client.get(url).status_code == 404, url
    assert "Ligne d&#x27;ailleurs" not in client.get("/dispositifs/").content.decode()
    assert "Ligne d'ailleurs" not in client.get("/estimations/export.csv").content.decode()
    assert not Membre.objects.filter(user=comptes["agent.caf"], partenaire=ailleurs).exists()
