"""Workbooks built inside the tests (no binary file is committed).

`annexe_caf_2015` reproduces the layout of seed 000 (the CAF's annexe financière
of the Grand Dijon contract): title rows, the header printed again on each page
(once with the typo "PILERS"), the pilier merged over its rows or left blank
under its first row, several objectifs in one cell, "CAF" written only on the
first row of a group, amounts as French text with ordinary, non-breaking or
narrow non-breaking spaces (and as numbers on the second page), a line written
across the tree columns, the TOTAL line and the starred footnotes.
"""

import io
import re
import zipfile

from openpyxl import Workbook, load_workbook

NBSP, NNBSP = "\u00a0", "\u202f"

ENTETE = [
    "PILIER",
    "ORIENTATIONS STRATEGIQUES",
    "OBJECTIFS OPERATIONNELS",
    "Service responsable du financement",
    "Intitulé du dispositif / Offre de services",
    "Unité de compte (le cas échéant)",
    "Estimation de la valorisation\nfinancière annuelle 2015*",
    "Remarques",
    "Montant estimatif pour 2015-2017*",
]
TITRE_PAGE = [
    "GRAND DIJON",
    "Dispositifs mobilisables sur les Territoires prioritaires",
    "Estimation des aides en 2015",
    "Projection finale sur 2015-2017",
    "Sous réserve du maintien des dispositifs de droit commun et des dotations",
]


def ecrire(ws, r, valeurs):
    """One row from column A; text is always text, even when it starts with = + - @."""
    for c, valeur in enumerate(valeurs, 1):
        if valeur in (None, ""):
            continue
        cellule = ws.cell(r, c, valeur)
        if isinstance(valeur, str):
            cellule.data_type = "s"


def en_octets(wb):
    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue()


def euros_texte(montant, espace=" "):
    """12100000 → "12 100 000 €" with the given thousands separator."""
    return f"{montant:,}".replace(",", espace) + " €"


def avec_valeurs_en_cache(contenu, valeurs):
    """Adds the cached values a spreadsheet application stores beside formulas ({"G12": "7500"})."""
    entree, sortie = zipfile.ZipFile(io.BytesIO(contenu)), io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in entree.infolist():
            donnees = entree.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                texte = donnees.decode()
                for ref, valeur in valeurs.items():
                    texte = re.sub(
                        rf'(<c r="{ref}"[^>]*>)(<f>.*?</f>)(<v>.*?</v>|<v\s*/>)?', rf"\g<1>\g<2><v>{valeur}</v>", texte
                    )
                donnees = texte.encode()
            zout.writestr(info, donnees)
    return sortie.getvalue()


# -- seed 000 -----------------------------------------------------------------

CADRE_DE_VIE = "Pilier Cadre de vie des habitants"
EMPLOI = "Pilier Développement Economique et Emploi"
COHESION = "Pilier Cohésion sociale"
IMPAYES = 'Offre de service "impayés de loyer" et prévention des expulsions : parc public, parc privé'
FREINS = "Lever des freins à l'emploi liés aux modes de garde : fonds publics et territoire (ex espoir banlieues\")"
SANTE = (
    "Projet santé mené par le centre social des grésilles en partenariat avec Dijon ville santé, la CPAM et la CARSAT"
)
CENTRES_SOCIAUX = "Agrément et Financements des centres sociaux sur les QPV,"
COMMUNIQUER = "communiquer sur le dispositif et augmenter le nombre de projets financés"

PAGE_1 = [
    # pilier, orientation, objectifs, service, intitulé, unité, annuel, remarques, pluriannuel
    (
        CADRE_DE_VIE,
        "1 - PERMETTRE UN EQUILIBRE DE PEUPLEMENT, SUPPORT A LA PERENNITE DU RENOUVELLEMENT URBAIN",
        "1-a) Diversifier et améliorer l'offre de produits logements",
        "CAF",
        "EN PROJET :agence immobilière à vocation sociale",
        "",
        "",
        "",
        "",
    ),
    ("", "", "1-b) Structurer la politique d'attribution de logements"),
    ("", "", "1-c) Développer une stratégie de marketing territorial"),
    (
        "",
        "",
        "1-d) Optimiser l'accompagnement des ménages en difficulté",
        "CAF",
        IMPAYES,
        "réunions mensuelles avec les bailleurs, CCAPEIX, 1 ETP TS, pour accompagnement allocataires isolés en "
        "situation "
        "d'impayés du parc privé",
        "7 500 €",
        IMPAYES,
        "22 500 €",
    ),
    (
        "",
        "2 - AMELIORER LA QUALITE DU CADRE DE VIE DES HABITANTS EN POURSUIVANT L'EFFORT ENGAGE DANS LE PROGRAMME DE "
        "RENOVATION URBAINE",
        "2-a) Assurer la qualité de service (GUSP, espace commun...) 2-b) Assurer la tranquillité publique et "
        "résidentielle renforcer la présence sur l'espace public 2-c) Poursuivre l'amélioration de la qualité de "
        "l'espace public",
        "CAF",
        "logement non décent",
        "financement MOUS et 1 chargé de mission logement",
        f"14{NBSP}000 €",
        "logement non décent",
        f"42{NBSP}000 €",
    ),
    (
        "",
        "",
        "",
        "",
        "financement du FSL",
        "abondement d'un fond partenarial",
        "4 500 €",
        "financement du FSL",
        "13 500 €",
    ),
    ("", "", "", "", "financement ADIL", "", "4 500 €", "financement ADIL", "13 500 €"),
    (
        "",
        "",
        "",
        "",
        "solvabilisation des familles",
        "aides aux logement",
        f"12{NNBSP}100{NNBSP}000{NNBSP}€",
        "solvabilisation des familles",
        f"36{NNBSP}300{NNBSP}000{NNBSP}€",
    ),
    (
        EMPLOI,
        "1 - FAVORISER LA TERRITORIALISATION DE LA POLITIQUE EMPLOI - INSERTION",
        "1-a) Favoriser les actions de remédiation vers l'emploi",
    ),
    ("", "", "1-b) Renforcer l'articulation entre besoin de recrutement des entreprises et demandeurs d'emploi"),
    (
        "",
        "",
        "1-c) Favoriser le parcours des demandeurs d'emploi (SPEL/IAE/Entreprises)",
        "CAF",
        FREINS,
        "financements ATOME pour accueil à domicile sur horaires atypiques",
        "147 000 €",
        "Basculement Fonds Publics et Territoires : fléchage d' une enveloppe financière spécifique pour "
        "intervention sur "
        "périmètre prioritaire. Renforcer la communication sur le dispositif. Réflexion à mener sur l'accompagnement "
        "des "
        "familles",
        "441 000 €",
    ),
    (
        "",
        "2 - FAVORISER LE DEVELOPPEMENT ECONOMIQUE DANS LES QUARTIERS",
        "2-a) Dynamiser l'offre commerciale 2-b) Favoriser la création d'activités des habitants dans les quartiers",
    ),
    (
        "",
        "",
        "",
        "",
        "co animation atelier maternité avec la CPAM",
        "mobilisation Travailleur social et technicien conseil",
        "1 200 €",
        "co animation atelier maternité avec la CPAM",
        "3 600 €",
    ),
    (
        "",
        "",
        "",
        "",
        "service de médiation familiale",
        "permanences à la Maison de la justice et du droit",
        "34 000 €",
        "expérimentation animation espaces parents dans les écoles de FO",
        "102 000 €",
    ),
    (
        "",
        "",
        "",
        "",
        "REAAP",
        "",
        "6 800 €",
        "communiquer sur le dispositif REAAP et augmenter le nombre de projets financés",
        "36 000 €",
    ),
    (
        "",
        "",
        "",
        "",
        "financement lieux d'accueil parents-enfants",
        "Chenôve :P'tit Bleu P'tit Jaune",
        "11 100 €",
        "développer un LAEP sur les Grésilles",
        "36 000 €",
    ),
    ("", "", "", "", "", "Fontaine d'ouche : La Cadole", "14 300 €", "", "45 000 €"),
    ("", "", "", "", "espace rencontre", "LARPE", "4 500 €", "PS en cours de création", "13 500 €"),
    (
        "",
        "",
        "",
        "",
        "aide à domicile",
        "subvention d'associations",
        "112 000 €",
        "Poursuite des financements",
        "336 000 €",
    ),
]
PAGE_2 = [
    (
        COHESION,
        "1 - CONCOURIR A LA REUSSITE EDUCATIVE",
        "1-a) Favoriser les relations parents/enfants/Institutions",
        "CAF",
        "aides financières aux familles sur projet",
        "",
        41500,
        "identifier les AFI sur périmètre prioritaire et envisager développement",
        150000,
    ),
    ("", "", "", "", "pilotage axe parentalité sur quartiers Grésilles", "projet Parenthèque", 1500, "", 4500),
    ("", "", "", "", "pilotage axe parentalité sur quartiers fontaine d'ouche", "", 2500, "", 7500),
    (
        "",
        "",
        "",
        "",
        "CLAS",
        "plusieurs actions sur les différents sites prioritaires",
        231000,
        "accompagnement des porteurs de projet sur le volet parentalité (liens familles-écoles)",
        720000,
    ),
    ("", "", "", "", "financement associatif", "Grez club", 36000, "Arrêt financement en 2017", 57600),
    (
        "",
        "",
        "",
        "",
        "solvabilisation des familles",
        "Prestations d'éducation",
        10100000,
        "solvabilisation des familles",
        30300000,
    ),
    (
        "",
        "",
        "",
        "",
        "solvabilisation des familles",
        "minimas sociaux",
        14000000,
        "solvabilisation des familles",
        42000000,
    ),
    (
        "",
        "",
        "",
        "",
        "Accompagnement technique et financier des gestionnaires de structures PE (EAJE, RAM, LAEP), "
        "financement classes passerelles FO, Grésilles, Chenôve",
        'PSU EAJE, RAM, LAEP, Fonds publics et territoires Inclus offres "rester parents parés la rupture" et '
        '"1ère naissance"',
        2750000,
        "adaptation des modes de garde collectifs et individuels aux besoins des familles, augmenter le nombre "
        "d'enfants "
        "issus des QPV dans les EAJE et place des familles au sein des structures,",
        8250000,
    ),
    ("", "", "", "", "observatoire social", "", 12000, "observatoire social", 36000),
    (
        "",
        "",
        "",
        "",
        CENTRES_SOCIAUX,
        "centres sociaux Grésilles, Fontaine d'Ouche, le Tremplin, La Ruche, La Turbine et CSC Léo Lagrange",
        754000,
        "place des centres sociaux comme coordinateur de quartier : exigence circulaire en terme de qualification "
        "directeur et référent familles , accompagner les CSX dans la mobilisation des habitants dans les conseil "
        "citoyens",
        2037750,
    ),
    (
        "",
        "",
        "",
        "",
        "",
        "sur Grésilles gestion directe CS",
        900000,
        "Poursuite gestion centre social des Grésilles",
        2700000,
    ),
    (
        COHESION,
        "1 - CONCOURIR A LA REUSSITE EDUCATIVE",
        "1-c) Coordonner les parcours éducatifs au service de l'orientation professionnelle",
        "CAF",
        "PSO accueil péri et extra scolaire",
        "accompagnement financier des gestionnaires sous forme de PS",
        1400000,
        "PEDT, complémentarité, coordination , adaptation des services, accès et implication des familles dans les "
        "équipements",
        4500000,
    ),
    ("", "", "", "", "ASRE (NAP)", "pas de données chiffrés à ce jour", "", "", ""),
    (
        "",
        "",
        "",
        "",
        "Aide aux temps libre",
        "tickets loisirs et tickets temps libres",
        66000,
        "réduire l'écart entre les bénéficiaires et utilisateurs",
        198000,
    ),
    (
        "",
        "",
        "",
        "",
        "soutien au départ en vacances",
        "VACAF",
        30000,
        "promotion des dispositifs d'aide au départ en vacances, améliorer le nombre d'utilisateurs de l' ATL et "
        "VACAF, "
        "soutien aux associations organisatrices de séjours de vacances",
        90000,
    ),
    (
        "",
        "",
        "",
        "",
        "financement secours populaire",
        "activités de loisirs et vacances",
        1500,
        "financement secours populaire",
        4500,
    ),
    (
        "",
        "",
        "",
        "",
        "accompagnement technique des projets jeunesse",
        "1,25 ETP CTAS",
        80000,
        "promouvoir FPT et augmenter le nb de projets financés",
        240000,
    ),
    ("", "", "", "", "Ados", "FPT ex ados MJC Chenôve et FO", 36000, COMMUNIQUER, 120000),
    ("", "", "", "", "FLAIJ", "Bourse ados", 650, COMMUNIQUER, 1500),
]
PAGE_3 = [
    (
        "",
        "2 - RENFORCER L'ACCES ET L'ADAPTATION AUX SERVICES",
        "2-a) Proposer une offre de service adaptée au vieillissement de la population",
    ),
    (
        "",
        "",
        "2-b) Favoriser la médiation dans l'accès aux services (et notamment à l'offre socioculturelle et sportive)",
        "CAF",
        "accès aux droits",
        "permanences hebdomadaires sur l'ensemble des QPV, rendez vous des droits",
        "160 000 €",
        "Maintien des lieux d'accueil social dans tous les QPV, proposer systématiquement un rendez vous des droits, "
        'intensifier le partenariat local et recourir au dispositif "service civique" pour lutter contre le non '
        "recours "
        "aux droits",
        "504 000 €",
    ),
    (
        "",
        "3- PROMOUVOIR LES MODES DE VIE FAVORABLES A LA SANTE",
        "3-a) Contribuer à la réduction des inégalités sociales et territoriales de santé",
    ),
    ("", "", "3-b) Favoriser l'accès à la prévention des jeunes"),
    (
        "",
        "",
        "3-c) Favoriser la prise en charge des situations problématiques d'hygiène dans le logement",
        "CAF",
        SANTE,
        "intervention de la CESF: 0,3 ETP",
        "21 000 €",
        f"{SANTE} à faire évoluer en cohérence avec les enjeux de l'axe santé du contrat de ville",
        "63 000 €",
    ),
    ("", "", "3-d) Favoriser la santé des âgées"),
    ("Enjeux Transversaux", "", "Lutte contre les discriminations"),
    (
        "",
        "",
        "Egalité hommes-femmes",
        "CAF",
        "financements associations",
        "solidarité femmes, Althéa",
        "2 000 €",
        "",
        "6 000 €",
    ),
    ("", "", "Jeunesse"),
    ("", "", "Citoyenneté et Valeurs de la République"),
    ("Poste référent PLV 0,5 ETP", "", "", "", "", "", "42 950 €", "", "135 050 €"),
    ("TOTAL financements CAF", "", "", "", "", "", "43 130 000 €", "", "129 530 000 €"),
]
NOTES = [
    "*Les montants mentionnés sont des estimations et n'engagent pas contractuellement la CAF",
    "COG 2013-2017 pas de visibilité sur les dispositifs au-delà de 2017",
    "Ne sont pas inclus dans la projection, les territoires de veille.",
]


def annexe_caf_2015(une_feuille_par_page=False, total=None):
    """Seed 000 as a workbook; `total`: another annual TOTAL, to test a disagreeing one."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Annexe CAF"
    r = 0

    def page(feuille, titres, entete, lignes, fusions):
        nonlocal ws, r
        if feuille:
            ws, r = wb.create_sheet(feuille), 0
        for titre in titres:
            r += 1
            ecrire(ws, r, [titre])
        r += 2
        ecrire(ws, r, entete)
        premiere = r + 1
        for ligne in lignes:
            r += 1
            ecrire(ws, r, ligne)
        for debut, fin, colonne_debut, colonne_fin in fusions:
            ws.merge_cells(
                start_row=premiere + debut, end_row=premiere + fin, start_column=colonne_debut, end_column=colonne_fin
            )

    page(
        None,
        [
            "ANNEXE FINANCIÈRE",
            "CONTRAT DE VILLE - GRAND DIJON",
            "2015-2020",
            "Mobilisation des crédits de droits communs\npar la Caisse d'Allocations Familiales",
            *TITRE_PAGE,
        ],
        ENTETE,
        PAGE_1,
        # the two piliers merged over their rows, the three objectifs 2-a/b/c over their four lines
        [(0, 7, 1, 1), (8, 18, 1, 1), (4, 7, 3, 3)],
    )
    r += 1
    page(
        "Page 2" if une_feuille_par_page else None,
        TITRE_PAGE,
        ["PILERS", *ENTETE[1:]],
        PAGE_2,
        [(0, 10, 1, 1), (9, 10, 5, 5)],
    )
    r += 1
    page3 = list(PAGE_3)
    if total is not None:
        page3[-1] = (*page3[-1][:6], total, "", page3[-1][8])
    page(
        "Page 3" if une_feuille_par_page else None,
        [
            "Contrat de ville de l'agglomération dijonnaise - Présentation de la stratégie territoriale - CAF",
            *TITRE_PAGE,
        ],
        ENTETE,
        page3,
        # enjeux transversaux across the pilier and orientation columns; the last two rows across A:F
        [(6, 9, 1, 2), (10, 10, 1, 6), (11, 11, 1, 6)],
    )
    r += 1
    for note in NOTES:
        r += 1
        ecrire(ws, r, [note])
    return en_octets(wb)


def annexe_simple(lignes, annee=2015, periode="2015-2017", titre_feuille="Annexe"):
    """A one-block annexe: [(pilier, orientation, objectifs, service, intitulé, unité, annuel, remarques, pluri)]."""
    wb = Workbook()
    ws = wb.active
    ws.title = titre_feuille
    entete = list(ENTETE)
    entete[6] = f"Estimation de la valorisation financière annuelle {annee}*"
    entete[8] = f"Montant estimatif pour {periode}*"
    ecrire(ws, 1, ["Annexe financière"])
    ecrire(ws, 3, entete)
    for i, ligne in enumerate(lignes, 4):
        ecrire(ws, i, ligne)
    return wb


SEED = load_workbook(io.BytesIO(annexe_caf_2015()))["Annexe CAF"]


def rang(ws, texte, colonne=5):
    """The row of the sheet where a line's text is (so no test hard-codes the layout's row numbers)."""
    return next(c.row for c in ws[chr(64 + colonne)] if c.value == texte)


def seed_avec_logement_a_15000():
    """Seed 000 where the CAF raised "logement non décent" from 14 000 € to 15 000 €, and its TOTAL with it."""
    wb = load_workbook(io.BytesIO(annexe_caf_2015(total="43 131 000 €")))
    wb["Annexe CAF"][f"G{rang(SEED, 'logement non décent')}"] = "15 000 €"
    return en_octets(wb)
