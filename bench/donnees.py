"""A synthetic but realistic contract: 20 partners, a strategy tree of 4 piliers, 2 000
dispositifs with 3 years of estimates (some unknown, some with remarks), 100 fiches."""

import random
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from contrat.models import Contrat, Document, Membre, Objectif, Orientation, Partenaire, Pilier, Signataire
from engagements.models import AnnexeFinanciere, Dispositif, Estimation
from fiches.models import Engagement, Fiche

SLUG = "banc-d-essai"
ANNEES = (2024, 2025, 2026)
PILIERS = [
    "Cohésion sociale",
    "Cadre de vie et renouvellement urbain",
    "Développement économique et emploi",
    "Valeurs de la République et citoyenneté",
]
MOTS = (
    "accompagnement des familles",
    "soutien à la parentalité",
    "accès aux droits",
    "insertion professionnelle",
    "réussite éducative",
    "prévention de la délinquance",
    "santé de proximité",
    "mobilité",
    "médiation sociale",
    "gestion urbaine de proximité",
    "accès à la culture",
    "pratique sportive",
    "lutte contre les discriminations",
)


def _montant(hasard):
    return Decimal(hasard.choice((1_500, 12_000, 48_500, 125_000, 730_000, 2_400_000))) + Decimal(
        hasard.randrange(0, 99_999)
    )


@transaction.atomic
def creer(nb_dispositifs=2000, nb_partenaires=20, nb_fiches=100, graine=2026):
    hasard = random.Random(graine)
    Contrat.objects.filter(slug=SLUG).delete()
    partenaires = [
        Partenaire.objects.update_or_create(
            slug=f"banc-partenaire-{i:02d}",
            defaults={"nom": f"Partenaire n° {i} du banc d'essai", "sigle": f"P{i:02d}"},
        )[0]
        for i in range(1, nb_partenaires + 1)
    ]
    contrat = Contrat.objects.create(
        nom="Contrat de ville du banc d'essai",
        slug=SLUG,
        territoire="Agglomération d'essai",
        annee_debut=2024,
        annee_fin=2030,
        porteur=partenaires[0],
    )
    document = Document.objects.create(
        contrat=contrat, slug="convention", nature="contrat_cadre", titre="Contrat de ville 2024-2030"
    )
    Signataire.objects.bulk_create(
        Signataire(document=document, partenaire=p, representant="Le directeur", qualite="Directeur", ordre=i)
        for i, p in enumerate(partenaires)
    )
    objectifs = []
    for i, nom in enumerate(PILIERS, 1):
        pilier = Pilier.objects.create(contrat=contrat, slug=f"pilier-{i}", code=str(i), intitule=nom, ordre=i)
        for j in range(1, 5):
            orientation = Orientation.objects.create(
                pilier=pilier,
                slug=f"o-{i}-{j}",
                code=f"{i}-{j}",
                ordre=j,
                intitule=f"Orientation {i}.{j} : {hasard.choice(MOTS)}",
            )
            objectifs += Objectif.objects.bulk_create(
                Objectif(
                    orientation=orientation,
                    slug=f"ob-{i}-{j}-{k}",
                    code=f"{i}-{j}-{k}",
                    ordre=k,
                    intitule=f"Objectif {i}.{j}.{k} : {hasard.choice(MOTS)}",
                )
                for k in range(1, 6)
            )
    dispositifs = Dispositif.objects.bulk_create(
        Dispositif(
            contrat=contrat,
            code=f"d-{n:05d}",
            partenaire=partenaires[n % nb_partenaires],
            ordre=n,
            intitule=f"{hasard.choice(MOTS).capitalize()} — action n° {n}",
            unite_compte=hasard.choice(("", "nombre de familles", "ETP", "places", "heures d'intervention")),
            remarque=hasard.choice(("", "", "Montant reconduit chaque année.")),
        )
        for n in range(1, nb_dispositifs + 1)
    )
    lien = Dispositif.objectifs.through
    lien.objects.bulk_create(
        lien(dispositif=d, objectif=o)
        for d in dispositifs
        for o in hasard.sample(objectifs[(d.ordre % 16) * 5 : (d.ordre % 16) * 5 + 5], hasard.choice((1, 1, 1, 2)))
    )
    estimations = []
    for d in dispositifs:
        for annee in ANNEES:
            inconnu = hasard.random() < 0.03
            annuel = None if inconnu else _montant(hasard)
            estimations.append(
                Estimation(
                    dispositif=d,
                    contrat=contrat,
                    partenaire=d.partenaire,
                    annee=annee,
                    montant_annuel=annuel,
                    remarque_annuelle="pas de données chiffrées à ce jour" if inconnu else "",
                    periode_debut=annee,
                    periode_fin=annee + 2,
                    montant_pluriannuel=None if inconnu else annuel * 3,
                )
            )
    Estimation.objects.bulk_create(estimations, batch_size=2000)
    for annee in ANNEES:
        AnnexeFinanciere.objects.create(
            contrat=contrat,
            slug=f"annexe-{annee}",
            document=document,
            annee=annee,
            periode_debut=annee,
            periode_fin=annee + 2,
            intitule="Annexe financière du contrat de ville",
        )
    fiches = Fiche.objects.bulk_create(
        Fiche(
            contrat=contrat,
            slug=f"fiche-{n}",
            forme="action",
            numero=f"Fiche {n}",
            ordre=n,
            intitule=f"Fiche action {n} : {hasard.choice(MOTS)}",
            description="Description de l'action.\n" * 3,
            pilier_id=objectifs[(n * 5) % len(objectifs)].orientation.pilier_id,
            annee_debut=2024,
            annee_fin=2026,
        )
        for n in range(1, nb_fiches + 1)
    )
    Engagement.objects.bulk_create(
        Engagement(
            fiche=f, partenaire=p, ordre=i, texte="Mobilisation des services de droit commun.", montant=_montant(hasard)
        )
        for f in fiches
        for i, p in enumerate(hasard.sample(partenaires, 3))
    )
    # Who uses it: an administrator, the chef de projet, an agent of each partner.
    admin, _ = User.objects.get_or_create(username="banc.admin", defaults={"is_staff": True, "is_superuser": True})
    chef, _ = User.objects.get_or_create(username="banc.chef")
    Membre.objects.get_or_create(user=chef, partenaire=partenaires[0], role="chef_de_projet", contrat=contrat)
    for i, p in enumerate(partenaires):
        agent, _ = User.objects.get_or_create(username=f"banc.agent{i:02d}")
        Membre.objects.get_or_create(user=agent, partenaire=p, role="agent", contrat=contrat)
    for compte in [admin, chef, *User.objects.filter(username__startswith="banc.agent")]:
        compte.set_password("banc-d-essai-mot-de-passe")
        compte.save()
    return contrat
