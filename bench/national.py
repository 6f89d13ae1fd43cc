"""N contracts of national shape, for make bench and make charge (bench/README in docs/mesures.md).

Each contract: 50 organisations (5 national ones present in every contract — a CAF, France Travail,
the préfecture, the région, a bailleur — and 45 of its own), a tree of 4 piliers, 16 orientations and
80 objectifs, 5 000 dispositifs (100 per organisation) with 7 years of estimates (35 000 lines, 3 %
unknown), an annexe per year, the 2025 campaign open and expecting every organisation, 2024
contributions validated, 20 fiches where the national organisations commit, and the history of the
national organisations' 2025 lines. At N = 100: 500 000 dispositifs, 3.5 M estimates.

Rows are laid in the table contract after contract, each contract's lines year by year (as conventions
are loaded one after another, then a campaign a year): the same layout at every N. A national instance
whose contracts are typed at the same time scatters a contract's lines over the table; docs/mesures.md
says what that costs. The small rows are made by the ORM; the dispositifs, their objectifs, the estimates and
the history by INSERT … SELECT in PostgreSQL (generate_series), each column given by its model: the ORM would
take an hour at N = 100."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import Permission, User
from django.db import connection, transaction
from django.utils import timezone

from bench import donnees
from contrat import territoires
from contrat.models import (
    Commune,
    Contrat,
    Document,
    Habilitation,
    Membre,
    Objectif,
    Orientation,
    Partenaire,
    Pilier,
    Signataire,
)
from engagements.models import AnnexeFinanciere, Collecte, Contribution, Dispositif, Estimation
from fiches.models import Engagement, Fiche, Intervenant
from noyau.models import Historique

PREFIXE = "nat-"
MOT_DE_PASSE = "banc-national-mot-de-passe"
ANNEES = range(2024, 2031)
ANNEE = 2025  # the campaign's year
PAR_CONTRAT = 50
DISPOSITIFS = 5000
OBJECTIFS = 80
NATIONAUX = [
    ("caf-nat", "Caisse d'allocations familiales (banc national)", "CAF", Partenaire.Nature.ORGANISME_SOCIAL),
    ("france-travail-nat", "France Travail (banc national)", "FT", Partenaire.Nature.ETABLISSEMENT_PUBLIC),
    ("etat-nat", "Préfecture (banc national)", "ÉTAT", Partenaire.Nature.ETAT),
    ("region-nat", "Région (banc national)", "RÉGION", Partenaire.Nature.COLLECTIVITE),
    ("bailleur-nat", "Bailleur social (banc national)", "BAILLEUR", Partenaire.Nature.BAILLEUR),
]
# The words of the one-contract bench; twelve of them, the shape measured (docs/mesures.md).
PILIERS, MOTS = donnees.PILIERS, donnees.MOTS[:12]


def slug(i):
    return f"{PREFIXE}{i:03d}"


def _defauts(modele, donnes):
    """Every other column of `modele` with its field's default, ready for the database."""
    colonnes, valeurs = [], []
    for champ in modele._meta.concrete_fields:
        if champ.primary_key or champ.column in donnes:
            continue
        colonnes.append(champ.column)
        valeurs.append(champ.get_db_prep_save(champ.get_default(), connection))
    return colonnes, valeurs


def inserer(modele, expressions, source, params=()):
    """INSERT INTO the model's table the rows of `source` (FROM … WHERE …), the columns of `expressions`
    computed in SQL and every other one at its default."""
    autres, valeurs = _defauts(modele, expressions)
    colonnes = [*expressions, *autres]
    selection = [*expressions.values(), *(["%s"] * len(autres))]
    with connection.cursor() as curseur:
        curseur.execute(
            f"INSERT INTO {modele._meta.db_table} ({', '.join(colonnes)}) SELECT {', '.join(selection)} {source}",
            [*valeurs, *params],
        )
        return curseur.rowcount


def _comptes(contrats, nationaux):
    """A chef de projet per contract (nat.chef-001…), the national organisations' agents in every contract
    (nat.agent.caf-nat…), an administrator and a staff account that reads the admin's dispositifs."""
    comptes = {}
    for nom in ["nat.admin", "nat.staff", *(f"nat.chef-{c.slug[len(PREFIXE) :]}" for c in contrats)] + [
        f"nat.agent.{p.slug}" for p in nationaux
    ]:
        compte, _ = User.objects.get_or_create(username=nom, defaults={"email": f"{nom}@example.org"})
        comptes[nom] = compte
    admin, staff = comptes["nat.admin"], comptes["nat.staff"]
    admin.is_staff = admin.is_superuser = staff.is_staff = True
    staff.user_permissions.add(Permission.objects.get(codename="view_dispositif"))
    membres = []
    for c in contrats:
        membres.append(
            Membre(
                user=comptes[f"nat.chef-{c.slug[len(PREFIXE) :]}"],
                partenaire=c.porteur,
                contrat=c,
                role="chef_de_projet",
            )
        )
        membres += [
            Membre(user=comptes[f"nat.agent.{p.slug}"], partenaire=p, contrat=c, role="agent") for p in nationaux
        ]
    Membre.objects.bulk_create(membres)
    mot_de_passe = User(username="x")
    mot_de_passe.set_password(MOT_DE_PASSE)
    User.objects.filter(pk__in=[c.pk for c in comptes.values()]).update(password=mot_de_passe.password)
    User.objects.filter(pk__in=[admin.pk, staff.pk]).update(is_staff=True)
    User.objects.filter(pk=admin.pk).update(is_superuser=True)


# Mainland départements in code order: contract n° i lies in the ((i - 1) mod 96)-th, so that a région holds
# one contract at N = 1 (nat-001 in the Ain, région 84) and about one in eight at N = 100.
DEPARTEMENTS = [d for d in territoires.DEPARTEMENTS if len(d) == 2]
# Roles across contracts (/consolidation/): the SGAR of the région of nat-001, the ANCT, the CAF's network.
REGION = territoires.region_de(DEPARTEMENTS[0])
HABILITATIONS = [
    (f"nat.sgar-{REGION}", Habilitation.Niveau.REGION, REGION, None),
    ("nat.anct", Habilitation.Niveau.NATION, "", None),
    ("nat.reseau.caf-nat", Habilitation.Niveau.RESEAU, "", "caf-nat"),
]


def _territoire():
    """Each contract's commune, with its INSEE code in its département; the roles across contracts. Made for
    the contracts that have none yet (a base generated before the view across contracts gets them)."""
    sans = Contrat.objects.filter(slug__startswith=PREFIXE, communes__isnull=True).order_by("slug")
    for c in sans:
        i = int(c.slug[len(PREFIXE) :])
        departement = DEPARTEMENTS[(i - 1) % len(DEPARTEMENTS)]
        commune = Commune.objects.create(
            nom=f"Commune n° {i}", slug=f"{c.slug}-commune", code_insee=f"{departement}{i % 1000:03d}"
        )
        c.communes.add(commune)
    mot_de_passe = User(username="x")
    mot_de_passe.set_password(MOT_DE_PASSE)
    for nom, niveau, code, partenaire in HABILITATIONS:
        compte, _ = User.objects.get_or_create(username=nom, defaults={"email": f"{nom}@example.org"})
        User.objects.filter(pk=compte.pk).update(password=mot_de_passe.password)
        Habilitation.objects.get_or_create(
            email=compte.email,
            niveau=niveau,
            code=code,
            partenaire=Partenaire.objects.get(slug=partenaire) if partenaire else None,
            revoquee=False,
            defaults={"user": compte, "acceptee_le": timezone.now(), "envoyee_le": timezone.now()},
        )


def _petites_lignes(contrats, nationaux, locaux, hasard):
    """Per contract: signatories, tree, annexes, campaign, contributions, fiches. Returns the organisations'
    and the objectifs' ranks per contract, for the SQL that follows."""
    rangs_partenaires, rangs_objectifs = [], []
    through = Contrat.partenaires.through
    liens = []
    documents = Document.objects.bulk_create(
        Document(contrat=c, slug="convention", nature="contrat_cadre", titre="Contrat de ville 2024-2030")
        for c in contrats
    )
    signataires, piliers = [], []
    for c, document in zip(contrats, documents, strict=True):
        siens = nationaux + locaux[c.pk]
        for rang, p in enumerate(siens):
            rangs_partenaires.append((c.pk, rang, p.pk))
            liens.append(through(contrat_id=c.pk, partenaire_id=p.pk))
            signataires.append(Signataire(document=document, partenaire=p, representant="La direction", ordre=rang))
        piliers += [
            Pilier(contrat=c, slug=f"pilier-{i}", code=str(i), intitule=nom, ordre=i)
            for i, nom in enumerate(PILIERS, 1)
        ]
    through.objects.bulk_create(liens)
    Signataire.objects.bulk_create(signataires)
    Pilier.objects.bulk_create(piliers)
    orientations = Orientation.objects.bulk_create(
        Orientation(
            pilier=p,
            slug=f"o-{p.ordre}-{j}",
            code=f"{p.ordre}-{j}",
            ordre=j,
            intitule=f"Orientation {p.ordre}.{j} : {hasard.choice(MOTS)}",
        )
        for p in piliers
        for j in range(1, 5)
    )
    objectifs = Objectif.objects.bulk_create(
        Objectif(
            orientation=o,
            slug=f"ob-{o.code}-{k}",
            code=f"{o.code}-{k}",
            ordre=k,
            intitule=f"Objectif {o.code}.{k} : {hasard.choice(MOTS)}",
        )
        for o in orientations
        for k in range(1, 6)
    )
    par_contrat = {}
    for objectif in objectifs:
        par_contrat.setdefault(objectif.orientation.pilier.contrat_id, []).append(objectif)
    for contrat_id, siens in par_contrat.items():
        rangs_objectifs += [(contrat_id, rang, o.pk) for rang, o in enumerate(siens)]
    AnnexeFinanciere.objects.bulk_create(
        AnnexeFinanciere(
            contrat=c,
            slug=f"annexe-{a}",
            document=d,
            annee=a,
            periode_debut=a,
            periode_fin=a + 2,
            intitule="Annexe financière du contrat de ville",
        )
        for c, d in zip(contrats, documents, strict=True)
        for a in ANNEES
    )
    echeance = timezone.localdate() + datetime.timedelta(days=30)
    collectes = Collecte.objects.bulk_create(Collecte(contrat=c, annee=ANNEE, echeance=echeance) for c in contrats)
    attendus = Collecte.partenaires.through
    attendus.objects.bulk_create(
        attendus(collecte_id=k.pk, partenaire_id=p.pk)
        for k, c in zip(collectes, contrats, strict=True)
        for p in nationaux + locaux[c.pk]
    )
    Contribution.objects.bulk_create(
        Contribution(contrat=c, partenaire=p, annee=ANNEE - 1, statut=Contribution.Statut.VALIDE)
        for c in contrats
        for p in nationaux + locaux[c.pk]
    )
    fiches = Fiche.objects.bulk_create(
        Fiche(
            contrat=c,
            slug=f"fiche-{n}",
            forme="action",
            numero=f"Fiche {n}",
            ordre=n,
            intitule=f"Fiche action {n} : {hasard.choice(MOTS)}",
            description="Description de l'action.",
            pilier_id=piliers[(c_rang * 4) + n % 4].pk,
            annee_debut=2024,
            annee_fin=2030,
        )
        for c_rang, c in enumerate(contrats)
        for n in range(1, 21)
    )
    Engagement.objects.bulk_create(
        Engagement(
            fiche=f,
            partenaire=p,
            ordre=i,
            texte="Mobilisation des services de droit commun.",
            montant=Decimal(12000 + i),
        )
        for f in fiches
        for i, p in enumerate(nationaux[:3])
    )
    Intervenant.objects.bulk_create(
        Intervenant(fiche=f, partenaire=nationaux[f.ordre % len(nationaux)], role=Intervenant.Role.PORTEUR, ordre=1)
        for f in fiches
    )
    return rangs_partenaires, rangs_objectifs


def _grosses_lignes(debut, rangs_partenaires, rangs_objectifs):
    """Dispositifs, their objectifs, estimates and history of the contracts of pk ≥ `debut`, in SQL."""
    with connection.cursor() as curseur:
        curseur.execute("CREATE TEMP TABLE banc_partenaires (contrat_id bigint, rang int, partenaire_id bigint)")
        curseur.execute("CREATE TEMP TABLE banc_objectifs (contrat_id bigint, rang int, objectif_id bigint)")
        curseur.executemany("INSERT INTO banc_partenaires VALUES (%s, %s, %s)", rangs_partenaires)
        curseur.executemany("INSERT INTO banc_objectifs VALUES (%s, %s, %s)", rangs_objectifs)
        curseur.execute("ANALYZE banc_partenaires; ANALYZE banc_objectifs")
    mots = "ARRAY[" + ", ".join(f"'{m}'" for m in MOTS) + "]"
    n = inserer(
        Dispositif,
        {
            "contrat_id": "c.id",
            "code": "'d-' || lpad(g::text, 5, '0')",
            "partenaire_id": "bp.partenaire_id",
            "ordre": "g",
            "intitule": f"initcap(({mots})[1 + mod(g, {len(MOTS)})]) || ' — action n° ' || g",
            "unite_compte": "(ARRAY['', 'nombre de familles', 'ETP', 'places'])[1 + mod(g, 4)]",
        },
        f"FROM contrat_contrat c CROSS JOIN generate_series(1, {DISPOSITIFS}) g "
        f"JOIN banc_partenaires bp ON bp.contrat_id = c.id AND bp.rang = mod(g, {PAR_CONTRAT}) WHERE c.id >= %s "
        "ORDER BY c.id, g",
        [debut],
    )
    lien = Dispositif.objectifs.through._meta.db_table
    with connection.cursor() as curseur:
        curseur.execute(
            f"INSERT INTO {lien} (dispositif_id, objectif_id) SELECT d.id, bo.objectif_id "
            "FROM engagements_dispositif d "
            f"JOIN banc_objectifs bo ON bo.contrat_id = d.contrat_id AND bo.rang = mod(d.ordre, {OBJECTIFS}) "
            "WHERE d.contrat_id >= %s",
            [debut],
        )
    # 3 % unknown; the amounts spread from 1 500 € to 2.4 M€, to the cent sometimes.
    inconnu = "mod(d.id * 31 + y, 100) < 3"
    montant = f"CASE WHEN {inconnu} THEN NULL ELSE (mod(d.id * 7919 + y * 104729, 2400000) + 1500)::numeric END"
    m = inserer(
        Estimation,
        {
            "dispositif_id": "d.id",
            "contrat_id": "d.contrat_id",
            "partenaire_id": "d.partenaire_id",
            "annee": "y",
            "montant_annuel": montant,
            "periode_debut": "y",
            "periode_fin": "y + 2",
            "montant_pluriannuel": f"({montant}) * 3",
            "remarque_annuelle": f"CASE WHEN {inconnu} THEN 'pas de données chiffrées à ce jour' ELSE '' END",
        },
        f"FROM engagements_dispositif d CROSS JOIN generate_series({ANNEES.start}, {ANNEES.stop - 1}) y "
        "WHERE d.contrat_id >= %s ORDER BY d.contrat_id, y, d.id",
        [debut],
    )
    # What the home pages read of the history: when the national organisations' 2025 lines last changed.
    h = inserer(
        Historique,
        {
            "objet": f"'{Estimation.suivi.nature}'",
            "objet_id": "e.id",
            "contrat_id": "d.contrat_id",
            "action": "'modification'",
            "user_nom": "'Agent du banc'",
            "date": "now() - make_interval(days => mod(e.id, 90)::int)",
        },
        "FROM engagements_estimation e JOIN engagements_dispositif d ON d.id = e.dispositif_id "
        "WHERE d.contrat_id >= %s AND e.annee = %s "
        "AND e.partenaire_id IN (SELECT id FROM contrat_partenaire WHERE slug LIKE '%%-nat')",
        [debut, ANNEE],
    )
    with connection.cursor() as curseur:
        curseur.execute("DROP TABLE banc_partenaires; DROP TABLE banc_objectifs")
    return n, m, h


def generer(n, graine=2026):
    """Makes contracts nat-001 … nat-N (those already there are kept: a base of 10 grows to 100)."""
    hasard = random.Random(graine)
    deja = Contrat.objects.filter(slug__startswith=PREFIXE).count()
    nationaux = [
        Partenaire.objects.update_or_create(slug=s, defaults={"nom": nom, "sigle": sigle, "nature": nature})[0]
        for s, nom, sigle, nature in NATIONAUX
    ]
    if deja >= n:
        with transaction.atomic():
            _territoire()
        return 0
    with transaction.atomic():
        nouveaux = range(deja + 1, n + 1)
        porteurs = Partenaire.objects.bulk_create(
            Partenaire(
                slug=f"{slug(i)}-p00",
                nom=f"Agglomération n° {i}",
                sigle=f"AGGLO{i}",
                nature=Partenaire.Nature.COLLECTIVITE,
            )
            for i in nouveaux
        )
        contrats = Contrat.objects.bulk_create(
            Contrat(
                nom=f"Contrat de ville n° {i:03d}",
                slug=slug(i),
                territoire=f"Agglomération n° {i}",
                annee_debut=2024,
                annee_fin=2030,
                porteur=porteur,
            )
            for i, porteur in zip(nouveaux, porteurs, strict=True)
        )
        locaux = {}
        autres = Partenaire.objects.bulk_create(
            Partenaire(slug=f"{c.slug}-p{k:02d}", nom=f"Association n° {k} ({c.territoire})", sigle=f"A{k:02d}")
            for c in contrats
            for k in range(1, PAR_CONTRAT - len(NATIONAUX))
        )
        for c, porteur in zip(contrats, porteurs, strict=True):
            locaux[c.pk] = [porteur] + [p for p in autres if p.slug.startswith(f"{c.slug}-p")]
        rangs_partenaires, rangs_objectifs = _petites_lignes(contrats, nationaux, locaux, hasard)
        lignes = _grosses_lignes(min(c.pk for c in contrats), rangs_partenaires, rangs_objectifs)
        _comptes(contrats, nationaux)
        _territoire()
    with connection.cursor() as curseur:
        curseur.execute("VACUUM ANALYZE")
    return lignes
