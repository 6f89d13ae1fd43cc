"""The cross-contract matrix: every URL of the URL × role matrix that names an object of grand-dijon (contract A),
asked by each person of a second contract B — its chef de projet, agent, lecteur, and an agent of the CAF, partner
of both, invited to B only — by GET and by POST: refused (404, 403, 400, 405 or 409), and nothing of A changes."""

from types import SimpleNamespace

import pytest
from django.db.models import Sum
from django.forms import BaseForm, BaseFormSet, ModelChoiceField
from django.test import Client

from .formulaires_html import Formulaires
from .test_matrice_urls import MATRICE, _url

# The placeholders of the matrix that stand for one of A's objects (tests/test_matrice_urls.py, _url).
OBJETS_DE_A = {
    "grand-dijon",
    "ctg-dijon",
    "caf",
    "caf-estimation",
    "fiche-3",
    "engagement-caf",
    "indicateur-ctg",
    "instance-copil",
    "import",
    "export",
    "perimetre",
    "commune",
    "objectif-pk",
    "membre-chef",
    "invitation",
    "collecte",
    "bilan",
    "avis",
    "tenue",
    "courriel",
    "seance",
    "decision",
}
# The invitation's own signed link is the invitee's, whoever holds it (tests/test_territoire.py): not a page of A.
PUBLIQUES = {"contrat:invitation", "contrat:invitation_nouveau_lien"}
REFUS = {400, 403, 404, 405, 409}


def urls_de_a():
    return [
        (nom, _url(nom, kwargs))
        for nom, (kwargs, _) in sorted(MATRICE.items())
        if nom not in PUBLIQUES and OBJETS_DE_A & {str(v) for v in kwargs.values()}
    ]


def etat_de_a():
    """What grand-dijon (and ctg-dijon) show, and the shared rows they read: a refused request leaves it as it was."""
    from contrat.models import (
        Commune,
        Contrat,
        Invitation,
        Membre,
        Objectif,
        Orientation,
        Partenaire,
        PerimetreQuartier,
        Pilier,
        Quartier,
    )
    from engagements.models import Collecte, Contribution, Dispositif, Estimation
    from fiches.models import Engagement, Fiche, Indicateur, Intervenant, Mesure
    from gouvernance.models import Decision, Instance, PartageInstance, Presence, Seance
    from importation.models import ImportAnnexe
    from noyau.models import Courriel, Historique

    a = list(Contrat.objects.filter(slug__in=["grand-dijon", "ctg-dijon"]).values_list("pk", flat=True))

    def lignes(qs, *champs):
        return sorted(qs.values_list("pk", *champs))

    return {
        "contrats": lignes(Contrat.objects.filter(pk__in=a), "version", "nom", "porteur_id"),
        "arbre": [
            lignes(Pilier.objects.filter(contrat__in=a), "version", "archive", "ordre"),
            lignes(Orientation.objects.filter(pilier__contrat__in=a), "version", "archive", "ordre"),
            lignes(Objectif.objects.filter(orientation__pilier__contrat__in=a), "version", "archive", "ordre"),
        ],
        "dispositifs": lignes(Dispositif.objects.filter(contrat__in=a), "version", "archive"),
        "estimations": lignes(Estimation.objects.filter(dispositif__contrat__in=a), "version"),
        "sommes": Estimation.objects.filter(dispositif__contrat__in=a).aggregate(
            Sum("montant_annuel"), Sum("montant_pluriannuel")
        ),
        "collecte": [
            lignes(Collecte.objects.filter(contrat__in=a), "version", "ouverte"),
            lignes(Contribution.objects.filter(contrat__in=a), "version", "statut"),
        ],
        "fiches": [
            lignes(Fiche.objects.filter(contrat__in=a), "version"),
            lignes(Engagement.objects.filter(fiche__contrat__in=a), "version"),
            lignes(Intervenant.objects.filter(fiche__contrat__in=a), "partenaire_id"),
            lignes(Indicateur.objects.filter(fiche__contrat__in=a), "libelle"),
            lignes(Mesure.objects.filter(indicateur__fiche__contrat__in=a), "version", "valeur"),
        ],
        "gouvernance": [
            lignes(Instance.objects.filter(contrat__in=a), "version", "archivee"),
            lignes(PartageInstance.objects.filter(contrat__in=a)),
            lignes(Seance.objects.filter(instance__contrat__in=a), "version"),
            lignes(Decision.objects.filter(seance__instance__contrat__in=a), "version", "statut"),
            lignes(Presence.objects.filter(seance__instance__contrat__in=a), "etat"),
        ],
        "personnes": [
            lignes(Membre.objects.filter(contrat__in=a), "actif", "version"),
            lignes(Invitation.objects.filter(contrat__in=a), "version", "revoquee", "acceptee_le"),
        ],
        "perimetre": lignes(PerimetreQuartier.objects.filter(contrat__in=a), "version", "code", "qpv_id"),
        "partage": [
            lignes(Quartier.objects.all(), "nom", "code", "qpv_id", "commune_id"),
            lignes(Commune.objects.all(), "nom", "code_insee"),
            lignes(Partenaire.objects.all(), "nom", "sigle"),
        ],
        "historique": Historique.objects.filter(contrat_id__in=a).count(),
        "courriels": lignes(Courriel.objects.filter(contrat_id__in=a), "statut"),
        "imports": lignes(ImportAnnexe.objects.filter(contrat__in=a), "applique_le"),
    }


@pytest.mark.parametrize("role", ["chef", "agent", "lecteur", "agent_commun"])
def test_no_one_of_b_reaches_or_changes_an_object_of_a(conventions, contrat_b, role):
    urls = urls_de_a()
    assert len(urls) > 90  # the matrix's pages of A (94 today), not a handful
    avant = etat_de_a()
    client = Client()
    client.force_login(getattr(contrat_b, role))
    admis = []
    for nom, url in urls:
        for methode in ("get", "post"):
            statut = getattr(client, methode)(url).status_code
            if statut not in REFUS:
                admis.append((methode.upper(), nom, url, statut))
    assert admis == []
    assert etat_de_a() == avant


# -- B's own forms, posted with A's ids -------------------------------------------------------


def _formulaires_du_contexte(contexte):
    """The Django forms a page was rendered with (formsets' rows and blank row included), found in its context."""
    trouves, vus = [], set()

    def visiter(valeur, profondeur=0):
        if id(valeur) in vus or profondeur > 6:
            return
        vus.add(id(valeur))
        if isinstance(valeur, BaseFormSet):
            for form in [*valeur.forms, valeur.empty_form]:
                form.lignes_du_formset = valeur.get_queryset() if hasattr(valeur, "get_queryset") else None
                visiter(form, profondeur + 1)
        elif isinstance(valeur, BaseForm):
            trouves.append(valeur)
        elif isinstance(valeur, dict):
            for v in valeur.values():
                visiter(v, profondeur + 1)
        elif isinstance(valeur, (list, tuple)):
            for v in valeur:
                visiter(v, profondeur + 1)

    for couche in contexte or []:
        visiter(couche.flatten() if hasattr(couche, "flatten") else couche)
    return trouves


def _modeles_des_champs(reponse):
    """{html name: the queryset a choice field offers}: a formset row's hidden id, a select, boxes to tick."""
    choix = {}
    for form in _formulaires_du_contexte(reponse.context):
        for nom, champ in form.fields.items():
            if isinstance(champ, ModelChoiceField):
                # A row's hidden id offers any row of its model: the rows it may name are the formset's own.
                lignes = getattr(form, "lignes_du_formset", None)
                est_id = lignes is not None and nom == lignes.model._meta.pk.name
                choix[form.add_prefix(nom)] = lignes if est_id else champ.queryset
    return choix


def _id_de_a(offerts):
    """An object of the same model that B's field does not offer: one of A's (or of the shared list)."""
    modele = offerts.model
    autre = modele._default_manager.exclude(pk__in=offerts.values("pk")).order_by("pk").first()
    return None if autre is None else str(autre.pk)


@pytest.fixture
def b_garni(contrat_b):
    """B with one of each thing its forms show: a tree, a line of its porteur and of the CAF, a quartier, a fiche,
    a body with a séance, a campaign."""
    from datetime import date

    from contrat.models import Objectif, Orientation, PerimetreQuartier, Pilier, Quartier
    from engagements.models import Collecte, Dispositif, Estimation
    from fiches.models import Fiche, Indicateur, Intervenant
    from gouvernance.models import Decision, Instance, Presence, Seance
    from gouvernance.models import Membre as Siege

    b = contrat_b.contrat
    caf = contrat_b.agent_commun.membres.get().partenaire
    pilier = Pilier.objects.create(contrat=b, slug="p1", code="1", intitule="Cohésion sociale")
    orientation = Orientation.objects.create(pilier=pilier, slug="o1", code="1.1", intitule="Éducation")
    objectif = Objectif.objects.create(orientation=orientation, slug="a", code="a", intitule="Soutenir les familles")
    quartier = Quartier.objects.get(slug="chenove-le-mail")
    b.communes.add(quartier.commune)
    PerimetreQuartier.objects.create(contrat=b, quartier=quartier, nature="prioritaire")
    lignes = {}
    for partenaire in (contrat_b.porteur, caf):
        d = Dispositif.objects.create(
            contrat=b, code=f"ligne-{partenaire.slug}", partenaire=partenaire, intitule=f"Ligne de {partenaire.sigle}"
        )
        d.objectifs.add(objectif)
        lignes[partenaire.slug] = (
            d,
            Estimation.objects.create(dispositif=d, partenaire=partenaire, annee=2026, montant_annuel=1000),
        )
    fiche = Fiche.objects.create(contrat=b, slug="fiche-1", forme="action", numero="1", intitule="Fiche de B")
    Intervenant.objects.create(fiche=fiche, role="porteur", nom="TA", partenaire=contrat_b.porteur)
    Indicateur.objects.create(fiche=fiche, libelle="Familles accompagnées")
    instance = Instance.objects.create(contrat=b, nom="Comité de B", slug="comite-b", nature="comite_pilotage")
    Siege.objects.create(instance=instance, partenaire=contrat_b.porteur)
    seance = Seance.objects.create(instance=instance, date=date(2026, 3, 2))
    Presence.objects.create(seance=seance, nom="TA", partenaire=contrat_b.porteur)
    Decision.objects.create(seance=seance, texte="Relancer", partenaire=caf)
    collecte = Collecte.objects.create(contrat=b, annee=2026, echeance=date(2026, 12, 31))
    collecte.partenaires.set([contrat_b.porteur, caf])
    return SimpleNamespace(contrat=b, lignes=lignes, fiche=fiche, instance=instance, seance=seance, objectif=objectif)


def _pages_de_formulaires(b, role):
    s = f"/contrats/{b.contrat.slug}/"
    porteur, (ligne_caf, estimation_caf) = b.lignes["testville-agglo"], b.lignes["caf-21"]
    if role == "chef":
        return [
            s + "perimetre/",
            s + "partenaires/",
            s + "documents/",
            s + "arbre/",
            s + "membres/",
            s + f"arbre/objectif/{b.objectif.pk}/modifier/",
            s + "collectes/ouvrir/",
            s + "collectes/2026/",
            s + "instances/ajouter/",
            f"/instances/{b.instance.pk}/modifier/",
            s + "seances/ajouter/",
            f"/seances/{b.seance.pk}/modifier/",
            s + "gouvernance/colonnes/",
            f"/fiches/{b.fiche.pk}/modifier/",
            s + "annexe-financiere/importer/",
        ]
    if role == "agent":
        return [
            s + "contributions/testville-agglo/2026/",
            f"/dispositifs/{porteur[0].pk}/modifier/",
            f"/estimations/{porteur[1].pk}/modifier/",
            f"/dispositifs/{porteur[0].pk}/estimations/ajouter/",
        ]
    return [
        s + "contributions/caf-21/2026/",
        f"/estimations/{estimation_caf.pk}/modifier/",
        f"/dispositifs/{ligne_caf.pk}/estimations/ajouter/",
        f"/seances/{b.seance.pk}/",
    ]


@pytest.mark.parametrize("role", ["chef", "agent", "agent_commun"])
def test_b_s_forms_posted_with_a_s_ids_are_refused(conventions, contrat_b, b_garni, role):
    """Each select, box and formset row id of B's forms, given an id B's page did not offer (A's): refused, and
    nothing of A (nor of the shared rows) changes."""
    from engagements.models import Estimation

    client = Client()
    client.force_login(getattr(contrat_b, role))
    avant = etat_de_a()
    essais, admis = 0, []
    for page in _pages_de_formulaires(b_garni, role):
        reponse = client.get(page)
        assert reponse.status_code == 200, page
        choix = _modeles_des_champs(reponse)
        lecteur = Formulaires()
        lecteur.feed(reponse.content.decode())
        for rang, formulaire in enumerate(lecteur.formulaires):
            for nom in formulaire["champs"]:
                if nom.endswith("-pk"):  # the grid's rows name their estimate by a plain hidden number
                    autre = str(Estimation.objects.filter(dispositif__contrat=conventions).order_by("pk").first().pk)
                elif nom not in choix or (autre := _id_de_a(choix[nom])) is None:
                    continue
                # The page again (a fresh one-time token), then the form with this one field tampered.
                frais = Formulaires()
                frais.feed(client.get(page).content.decode())
                donnees = dict(frais.formulaires[rang]["champs"])
                donnees[nom] = [autre]
                action = formulaire["action"] or page
                statut = client.post(action, donnees).status_code
                essais += 1
                if statut not in REFUS:
                    admis.append((page, action, nom, autre, statut))
    assert essais >= {"chef": 65, "agent": 10, "agent_commun": 7}[role], essais
    assert admis == [], "\n".join(map(str, admis))
    assert etat_de_a() == avant
