"""Import of an annexe financière: what was read, matched with the contract, then written.

`analyser` reads the file and plans every change without writing anything; the
report it returns is what the command prints and the browser previews.
`appliquer` writes that plan in one transaction: all of it, or nothing. A line is
the same dispositif when it has the same partner, intitulé, unité de compte and
objectifs, so importing the same file twice changes nothing the second time.
"""

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from contrat.models import ORIENTATION_TECHNIQUE, Objectif, Orientation, Partenaire, Pilier
from engagements.models import AnnexeFinanciere, Dispositif, Estimation
from noyau import versions
from noyau.montants import euros

from .lecture_classeur import (
    CODE_OBJECTIF,
    ORIENTATION,
    PILIER,
    Erreur,
    FichierRefuse,
    Lecture,
    lire_fichier,
    nom_colonne,
    normaliser,
    oublier,
)


class ImportPerime(Exception):
    """The data changed between the preview and the confirmation."""


@dataclass
class Action:
    nature: str  # "creation", "modification", "inchange", "absent"
    objet: str  # "pilier", "orientation", "objectif", "dispositif", "estimation", "annexe"
    libelle: str
    ou: str = ""
    details: list = field(default_factory=list)

    NATURES = {"creation": "Créé", "modification": "Mis à jour", "inchange": "Inchangé", "absent": "Absent du fichier"}

    @property
    def nature_affichee(self):
        return self.NATURES[self.nature]


@dataclass
class Rapport:
    contrat: object
    partenaire: object
    nom_fichier: str = ""
    refus: str = ""
    lecture: Lecture | None = None
    actions: list = field(default_factory=list)
    erreurs: list = field(default_factory=list)
    avertissements: list = field(default_factory=list)
    annee: int | None = None
    periode: tuple | None = None
    total_annuel: Decimal | None = None
    total_pluriannuel: Decimal | None = None
    _plan: object = None

    @property
    def accepte(self):
        return not self.refus and not self.erreurs

    @property
    def compte(self):
        return Counter(a.nature for a in self.actions)

    @property
    def a_ecrire(self):
        return any(a.nature in ("creation", "modification") for a in self.actions)

    def par_nature(self, nature):
        return [a for a in self.actions if a.nature == nature]

    @property
    def creations(self):
        return self.par_nature("creation")

    @property
    def modifications(self):
        return self.par_nature("modification")

    @property
    def inchanges(self):
        return self.par_nature("inchange")

    @property
    def absents(self):
        return self.par_nature("absent")

    @property
    def notes(self):
        return self.lecture.notes if self.lecture else []

    @property
    def empreinte(self):
        """What the confirmation must find unchanged: the planned actions and the versions they were read at."""
        donnees = [[a.nature, a.objet, a.libelle, a.ou, a.details] for a in self.actions]
        versions = self._plan.versions if self._plan else []
        texte = json.dumps([donnees, versions], ensure_ascii=False, default=str)
        return hashlib.sha256(texte.encode()).hexdigest()

    def texte(self):
        """The report as the command prints it."""
        lignes = [f"Import de l'annexe financière — {self.contrat.nom}, {self.partenaire.nom}"]
        if self.nom_fichier:
            lignes.append(f"Fichier : {self.nom_fichier}")
        if self.refus:
            return "\n".join([*lignes, "", f"REFUSÉ : {self.refus}", "Rien n'a été écrit."])
        if self.annee:
            periode = f", projection {self.periode[0]}-{self.periode[1]}" if self.periode else ""
            lignes.append(f"Année {self.annee}{periode}")
        if self.erreurs:
            lignes += ["", f"REFUSÉ : {len(self.erreurs)} erreur(s), rien n'a été écrit."]
            lignes += [f"  - {e}" for e in self.erreurs]
        lignes.append("")
        lignes.append(
            f"Somme des lignes : {euros(self.total_annuel)} (annuel), {euros(self.total_pluriannuel)} (pluriannuel)"
        )
        compte = self.compte
        lignes.append(
            f"{compte['creation']} à créer, {compte['modification']} à mettre à jour, {compte['inchange']} "
            "inchangé(s), "
            f"{compte['absent']} absent(s) du fichier (laissés tels quels)"
        )
        for nature in ("creation", "modification", "absent"):
            for action in self.par_nature(nature):
                ou = f" ({action.ou})" if action.ou else ""
                lignes.append(f"  {action.nature_affichee} — {action.objet} : {action.libelle}{ou}")
                lignes += [f"      {d}" for d in action.details]
        if self.avertissements:
            lignes += ["", "Avertissements :"] + [f"  - {a}" for a in self.avertissements]
        if self.notes:
            lignes += ["", "Notes de l'annexe :"] + [f"  {n}" for n in self.notes]
        return "\n".join(lignes)


# -- the strategy tree --------------------------------------------------------------


def _code_objectif(numero, lettre):
    return f"{int(numero)}-{lettre.lower()}"


def decouper_objectifs(texte):
    """[(code, intitulé)] of an OBJECTIFS cell: "2-a) … 2-b) …", or one objectif a line when uncoded."""
    texte = (texte or "").strip()
    trouves = list(CODE_OBJECTIF.finditer(texte))
    if not trouves:
        return [("", " ".join(ligne.split())) for ligne in texte.splitlines() if ligne.strip()]
    objectifs = []
    for i, m in enumerate(trouves):
        fin = trouves[i + 1].start() if i + 1 < len(trouves) else len(texte)
        objectifs.append((_code_objectif(m.group(1), m.group(2)), " ".join(texte[m.end() : fin].split())))
    return objectifs


def _slug_libre(base, pris):
    base = (slugify(base) or "element")[:70]
    slug, n = base, 2
    while slug in pris:
        slug, n = f"{base}-{n}", n + 1
    pris.add(slug)
    return slug


class Arbre:
    """The contract's piliers → orientations → objectifs, and those the import will create."""

    def __init__(self, contrat, rapport):
        self.contrat = contrat
        self.rapport = rapport
        self.piliers = list(
            Pilier.objects.filter(contrat=contrat)
            .select_related("contrat")
            .prefetch_related("orientations__objectifs")
            .order_by("ordre")
        )
        # Keyed by id(): the elements to create have no primary key yet, so they cannot be hashed.
        self.orientations = {id(p): list(p.orientations.all()) for p in self.piliers}
        self.objectifs = {id(o): list(o.objectifs.all()) for p in self.piliers for o in self.orientations[id(p)]}
        self.nouveaux = []  # in the order they must be saved: parents first
        self.signales = set()

    def _ajouter(self, objet, libelle, ou):
        self.nouveaux.append(objet)
        self.rapport.actions.append(Action("creation", objet._meta.verbose_name, libelle, ou))

    def _diverge(self, cle, existant, lu, ou):
        if cle not in self.signales and normaliser(existant) != normaliser(lu):
            self.signales.add(cle)
            self.rapport.avertissements.append(
                f"{ou} : « {lu} » a le même code que « {existant} » dans le contrat ; l'intitulé du contrat est gardé."
            )

    def pilier(self, texte, ou):
        m = PILIER.match(texte)
        code, intitule = (m.group(1) or "", texte[m.end() :].strip()) if m else ("", texte.strip())
        intitule = intitule or texte.strip()
        for p in self.piliers:
            if normaliser(p.intitule) == normaliser(intitule) or normaliser(p.libelle) == normaliser(texte):
                return p
            if code and p.code == code:
                self._diverge(("p", p.pk), p.intitule, intitule, ou)
                return p
        ordre = max((p.ordre for p in self.piliers), default=0) + 1
        pilier = Pilier(
            contrat=self.contrat,
            code=code,
            intitule=intitule[:300],
            ordre=ordre,
            transversal="transversa" in normaliser(intitule),
            slug=_slug_libre(intitule, {p.slug for p in self.piliers}),
        )
        self.piliers.append(pilier)
        self.orientations[id(pilier)] = []
        self._ajouter(pilier, pilier.libelle, ou)
        return pilier

    def orientation(self, pilier, texte, ou):
        texte = " ".join(texte.split())
        m = ORIENTATION.match(texte)
        code, intitule = (m.group(1), m.group(2).strip()) if m else ("", texte)
        note = ""
        if not intitule:
            # The enjeux transversaux print no orientation: their one orientation bears the pilier's name.
            intitule, note = pilier.intitule, ORIENTATION_TECHNIQUE
        existantes = self.orientations[id(pilier)]
        for o in existantes:
            if code and o.code == code:
                self._diverge(("o", id(o)), o.intitule, intitule, ou)
                return o
            if normaliser(o.intitule) == normaliser(intitule) and (not code or not o.code):
                return o
        if not texte and len(existantes) == 1:
            return existantes[0]
        orientation = Orientation(
            pilier=pilier,
            code=code,
            intitule=intitule[:300],
            description=note,
            ordre=max((o.ordre for o in existantes), default=0) + 1,
            slug=_slug_libre(code or intitule, {o.slug for o in existantes}),
        )
        existantes.append(orientation)
        self.objectifs[id(orientation)] = []
        self._ajouter(orientation, orientation.libelle, ou)
        return orientation

    def objectif(self, orientation, code, intitule, ou):
        existants = self.objectifs[id(orientation)]
        for o in existants:
            if code and o.code == code:
                self._diverge(("b", id(o)), o.intitule, intitule, ou)
                return o
            if not code and normaliser(o.intitule) == normaliser(intitule):
                return o
        objectif = Objectif(
            orientation=orientation,
            code=code,
            intitule=(intitule or code)[:300],
            ordre=max((o.ordre for o in existants), default=0) + 1,
            slug=_slug_libre(code or intitule, {o.slug for o in existants}),
        )
        existants.append(objectif)
        self._ajouter(objectif, objectif.libelle, ou)
        return objectif

    def branche(self, pilier, orientation, objectifs, ou):
        """The objectifs of a row; [] for a line outside any pilier."""
        if not pilier and not orientation and not objectifs:
            return []
        if not pilier:
            raise ValueError("la ligne a une orientation ou un objectif mais aucun pilier au-dessus d'elle.")
        noeud_pilier = self.pilier(pilier, ou)
        noeud_orientation = self.orientation(noeud_pilier, orientation, ou)
        return [
            self.objectif(noeud_orientation, code, intitule, ou) for code, intitule in decouper_objectifs(objectifs)
        ]


# -- the plan -----------------------------------------------------------------------


def partenaires_du_contrat(contrat):
    """The organisations a line may name: the contract's (porteur, signatories, those its chef de projet
    added or whose members it has), and those already financing a line."""
    return Partenaire.objects.filter(
        pk__in=set(Partenaire.objects.du_contrat(contrat).values_list("pk", flat=True))
        | set(contrat.dispositifs.values_list("partenaire", flat=True))
    )


class Partenaires:
    def __init__(self, contrat, partenaire):
        self.partenaire = partenaire
        self.index = defaultdict(set)
        for p in [partenaire, *partenaires_du_contrat(contrat)]:
            for nom in (p.sigle, p.nom, p.slug):
                self.index[normaliser(nom)].add(p)

    def trouver(self, texte):
        candidats = self.index.get(normaliser(texte), set())
        if self.partenaire in candidats:
            return self.partenaire
        if len(candidats) == 1:
            return next(iter(candidats))
        if candidats:
            noms = ", ".join(sorted(p.nom for p in candidats))
            raise ValueError(f"plusieurs partenaires du contrat répondent à ce nom ({noms}) : écrivez le nom complet.")
        raise ValueError(
            f"partenaire inconnu : ce n'est ni {self.partenaire.nom} ({self.partenaire.sigle}) ni un partenaire "
            "du contrat. Écrivez son sigle ou son nom tels qu'enregistrés."
        )


@dataclass
class Plan:
    arbre: Arbre
    annexe: AnnexeFinanciere | None = None
    annexe_nouvelle: bool = False
    dispositifs: list = field(default_factory=list)  # (Dispositif, [objectifs], Estimation)
    estimations: list = field(default_factory=list)  # new estimates of existing dispositifs
    modifications: list = field(default_factory=list)  # (object, version read)
    versions: list = field(default_factory=list)


def _remarques(dispositif, estimation):
    return "\n".join(
        t for t in (dispositif.remarque, estimation.remarque_annuelle, estimation.remarque_pluriannuelle) if t
    )


def _cle(partenaire, intitule, unite, objectifs):
    return (
        partenaire.pk,
        normaliser(intitule),
        normaliser(unite),
        frozenset(id(o) if o.pk is None else o.pk for o in objectifs),
    )


def analyser(contenu, contrat, partenaire, nom_fichier=""):
    """The report of what importing this file would do. Writes nothing."""
    try:
        return _analyser(contenu, contrat, partenaire, nom_fichier)
    finally:
        oublier()


def _lire(rapport, contenu, contrat):
    """The workbook read into the report (its errors, warnings, year and totals); None when it cannot go
    further: refused, without a year, outside the contract's period, or a projection that ends first."""
    try:
        lecture = lire_fichier(contenu)
    except FichierRefuse as refus:
        rapport.refus = str(refus)
        return None
    rapport.lecture = lecture
    rapport.erreurs = list(lecture.erreurs)
    rapport.avertissements = list(lecture.avertissements)
    rapport.annee, rapport.periode = lecture.annee, lecture.periode
    rapport.total_annuel = sum((ln.annuel for ln in lecture.lignes if ln.annuel is not None), Decimal("0"))
    rapport.total_pluriannuel = sum((ln.pluri for ln in lecture.lignes if ln.pluri is not None), Decimal("0"))
    if lecture.annee is None:
        return None
    rapport.refus = hors_periode(contrat, lecture.annee, lecture.periode)
    if rapport.refus:
        return None
    if lecture.periode and lecture.periode[1] < lecture.periode[0]:
        feuille, ligne = lecture.feuilles[0]
        periode = f"{lecture.periode[0]}-{lecture.periode[1]}"
        motif = "la fin de la période de projection précède son début."
        rapport.erreurs.append(Erreur(feuille, ligne, nom_colonne({}, "pluri"), periode, motif))
        return None
    return lecture


class _Existants:
    """The contract's lines before the import, by what identifies them (several identical lines are
    matched in their order), their estimations of the year, and the codes already taken."""

    def __init__(self, contrat, annee):
        self.dispositifs = list(
            Dispositif.objects.filter(contrat=contrat, archive=False)
            .select_related("contrat", "partenaire")
            .prefetch_related("objectifs")
            .order_by("ordre", "pk")
        )
        self.estimations = {
            (e.dispositif_id, e.partenaire_id): e for e in Estimation.objects.filter(contrat=contrat, annee=annee)
        }
        self.par_cle = defaultdict(list)
        for d in self.dispositifs:
            self.par_cle[_cle(d.partenaire, d.intitule, d.unite_compte, list(d.objectifs.all()))].append(d)
        self.codes = set(Dispositif.objects.filter(contrat=contrat).values_list("code", flat=True))
        self.ordre = max((d.ordre for d in self.dispositifs), default=0)
        self.suivants = {}  # next free number of each code prefix
        self.vus = set()

    def prendre(self, financeur, ligne, objectifs):
        """The existing line this one matches, if any (taken: it matches no other)."""
        candidats = self.par_cle.get(_cle(financeur, ligne.intitule, ligne.unite, objectifs))
        if not candidats:
            return None
        dispositif = candidats.pop(0)
        self.vus.add(dispositif.pk)
        return dispositif

    def code_libre(self, financeur, annee):
        prefixe = f"{slugify(financeur.sigle) or financeur.slug}-{annee}-"
        n = self.suivants.get(prefixe, 1)
        while f"{prefixe}{n:02d}" in self.codes:
            n += 1
        self.codes.add(f"{prefixe}{n:02d}")
        self.suivants[prefixe] = n + 1
        return f"{prefixe}{n:02d}"


def _creer(rapport, plan, existants, ligne, financeur, objectifs, montants, annee, libelle):
    """A line the contract does not have yet: its dispositif and estimation, planned and reported."""
    existants.ordre += 10
    dispositif = Dispositif(
        contrat=plan.arbre.contrat,
        code=existants.code_libre(financeur, annee),
        partenaire=financeur,
        intitule=ligne.intitule,
        unite_compte=ligne.unite,
        remarque=ligne.remarques,
        ordre=existants.ordre,
        statut=Dispositif.Statut.EN_PROJET if ligne.en_projet else Dispositif.Statut.ACTIF,
    )
    estimation = Estimation(
        dispositif=dispositif,
        partenaire=financeur,
        annee=annee,
        remarque_annuelle=ligne.annuel_mot,
        remarque_pluriannuelle=ligne.pluri_mot,
        **montants,
    )
    plan.dispositifs.append((dispositif, objectifs, estimation))
    details = [
        f"montant annuel {annee} : {euros(ligne.annuel) or 'inconnu'}",
        f"montant pluriannuel : {euros(ligne.pluri) or 'inconnu'}",
    ]
    rapport.actions.append(Action("creation", "dispositif", libelle, ligne.ou, details))


def _rapprocher(rapport, plan, existants, partenaires, lecture, ligne):
    """One line of the file matched to the contract's tree, to its partner and to an existing line (then
    compared) or planned as new; the partner it names, or None when the line is in error."""
    try:
        objectifs = plan.arbre.branche(ligne.pilier, ligne.orientation, ligne.objectifs, ligne.ou)
    except ValueError as e:
        valeur = ligne.orientation or ligne.objectifs
        rapport.erreurs.append(Erreur(ligne.feuille, ligne.numero, ligne.colonne("pilier"), valeur, str(e)))
        return None
    try:
        financeur = partenaires.trouver(ligne.service)
    except ValueError as e:
        rapport.erreurs.append(Erreur(ligne.feuille, ligne.numero, ligne.colonne("service"), ligne.service, str(e)))
        return None
    annee = lecture.annee
    debut, fin = lecture.periode or (None, None)
    libelle = f"{financeur.sigle} — {'EN PROJET : ' if ligne.en_projet else ''}{ligne.intitule}"
    if ligne.unite:
        libelle += f" ({ligne.unite})"
    montants = {
        "montant_annuel": ligne.annuel,
        "montant_pluriannuel": ligne.pluri,
        "periode_debut": debut,
        "periode_fin": fin,
    }
    dispositif = existants.prendre(financeur, ligne, objectifs)
    if dispositif is not None:
        estimation = existants.estimations.get((dispositif.pk, financeur.pk))
        _comparer(rapport, plan, ligne, dispositif, estimation, montants, annee, libelle)
    else:
        _creer(rapport, plan, existants, ligne, financeur, objectifs, montants, annee, libelle)
    return financeur


def _analyser(contenu, contrat, partenaire, nom_fichier):
    rapport = Rapport(contrat, partenaire, nom_fichier=nom_fichier)
    lecture = _lire(rapport, contenu, contrat)
    if lecture is None:
        return rapport

    # Lines already in error were left out by the reader: the others are still matched, so that the
    # report gives every error of the file at once.
    plan = Plan(Arbre(contrat, rapport))
    rapport._plan = plan
    for branche in lecture.branches:
        try:
            plan.arbre.branche(branche.pilier, branche.orientation, branche.objectifs, branche.ou)
        except ValueError as e:
            valeur = branche.orientation or branche.objectifs
            rapport.erreurs.append(Erreur(branche.feuille, branche.numero, branche.colonne("pilier"), valeur, str(e)))

    existants = _Existants(contrat, lecture.annee)
    partenaires = Partenaires(contrat, partenaire)
    concernes = {partenaire}
    for ligne in lecture.lignes:
        concernes.add(_rapprocher(rapport, plan, existants, partenaires, lecture, ligne))

    # The partners' lines of that year the file does not hold: said, never deleted.
    for d in existants.dispositifs:
        if d.pk not in existants.vus and d.partenaire in concernes and (d.pk, d.partenaire_id) in existants.estimations:
            libelle = f"{d.partenaire.sigle} — {d.libelle}"
            rapport.actions.append(Action("absent", "dispositif", libelle, "", ["ni modifié ni supprimé par l'import"]))
    _annexe(rapport, plan, lecture, contrat, partenaire)
    ordre_feuilles = {nom: i for i, (nom, _) in enumerate(lecture.feuilles)}
    rapport.erreurs.sort(key=lambda e: (ordre_feuilles.get(e.feuille, 0), e.ligne))
    rapport.refus = _verrous(plan)
    return rapport


def hors_periode(contrat, annee, periode):
    """Why a year or a projection outside the contract's period is refused, or ""."""
    debut, fin = contrat.annee_debut, contrat.annee_fin_effective
    if not debut <= annee <= fin:
        return (
            f"L'année {annee} du fichier est hors de la période du contrat ({debut}-{fin}) : aucune estimation "
            f"ne peut y être enregistrée. Vérifiez l'en-tête « Estimation des aides en … » du classeur."
        )
    if periode and not (debut <= periode[0] and periode[1] <= fin):
        return (
            f"La projection {periode[0]}-{periode[1]} du fichier dépasse la période du contrat ({debut}-{fin}) : "
            f"corrigez l'en-tête « Projection finale sur … » du classeur."
        )
    return ""


def _verrous(plan):
    """The lock rule of the write service, asked of every row the import would change or add: one
    locked row refuses the whole file (an import is all or nothing)."""
    ecrits = [o for o, _ in plan.modifications] + [e for _, _, e in plan.dispositifs] + plan.estimations
    if plan.annexe is not None:
        ecrits.append(plan.annexe)
    raison = versions.raison_en_nombre(ecrits)
    return f"Import refusé, rien n'a été écrit : {raison}" if raison else ""


def _espaces(texte):
    return " ".join((texte or "").split())


def _comparer(rapport, plan, ligne, dispositif, estimation, montants, annee, libelle):
    """Plans the changes a line brings to the dispositif it matched, and to its estimate for the year."""
    details = []
    statut = dispositif.statut
    if ligne.en_projet:
        statut = Dispositif.Statut.EN_PROJET
    elif statut == Dispositif.Statut.EN_PROJET:
        statut = Dispositif.Statut.ACTIF
    if statut != dispositif.statut:
        details.append(f"statut : {dispositif.get_statut_display()} → {Dispositif.Statut(statut).label}")
    # The Remarques cell prints the dispositif's remark and the estimate's own, one under the other.
    avant = _remarques(dispositif, estimation) if estimation else dispositif.remarque
    lues = "\n".join(t for t in (ligne.remarques, ligne.annuel_mot, ligne.pluri_mot) if t)
    remarques = _espaces(avant) != _espaces(lues)
    if remarques:
        details.append(f"remarques : « {avant or '—'} » → « {lues or '—'} »")
    if statut != dispositif.statut or (remarques and dispositif.remarque != ligne.remarques):
        plan.versions.append(("dispositif", dispositif.pk, dispositif.version))
        plan.modifications.append((dispositif, dispositif.version))
        dispositif.statut = statut
        if remarques:
            dispositif.remarque = ligne.remarques

    if estimation is None:
        estimation = Estimation(
            dispositif=dispositif,
            partenaire=dispositif.partenaire,
            annee=annee,
            remarque_annuelle=ligne.annuel_mot,
            remarque_pluriannuelle=ligne.pluri_mot,
            **montants,
        )
        plan.estimations.append(estimation)
        rapport.actions.append(
            Action(
                "creation",
                "estimation",
                f"{libelle} — {annee}",
                ligne.ou,
                [
                    f"montant annuel : {euros(ligne.annuel) or 'inconnu'}",
                    f"montant pluriannuel : {euros(ligne.pluri) or 'inconnu'}",
                ],
            )
        )
        if details:
            rapport.actions.append(Action("modification", "dispositif", libelle, ligne.ou, details))
        return

    nouveau = dict(montants)
    if remarques:
        nouveau.update(remarque_annuelle=ligne.annuel_mot, remarque_pluriannuelle=ligne.pluri_mot)
    change = False
    for champ, valeur in nouveau.items():
        ancien = getattr(estimation, champ)
        if ancien == valeur:
            continue
        change = True
        setattr(estimation, champ, valeur)
        nom = Estimation._meta.get_field(champ).verbose_name
        if champ.startswith("montant"):
            details.append(f"{nom} : {euros(ancien) or 'inconnu'} → {euros(valeur) or 'inconnu'}")
        elif champ.startswith("periode"):
            details.append(f"{nom} : {ancien or '—'} → {valeur or '—'}")
    if change:
        plan.versions.append(("estimation", estimation.pk, estimation.version))
        plan.modifications.append((estimation, estimation.version))
    rapport.actions.append(Action("modification" if details else "inchange", "dispositif", libelle, ligne.ou, details))


def _annexe(rapport, plan, lecture, contrat, partenaire):
    annee = lecture.annee
    debut, fin = lecture.periode or (annee, annee)
    annexe = AnnexeFinanciere.objects.filter(contrat=contrat, partenaire=partenaire, annee=annee).first()
    notes = "\n".join(lecture.notes)
    libelle = f"annexe financière {annee} de {partenaire.sigle}"
    if annexe is None:
        pris = set(AnnexeFinanciere.objects.filter(contrat=contrat).values_list("slug", flat=True))
        annexe = AnnexeFinanciere(
            contrat=contrat,
            partenaire=partenaire,
            annee=annee,
            periode_debut=debut,
            periode_fin=fin,
            notes=notes,
            slug=_slug_libre(f"{partenaire.sigle}-{annee}", pris),
        )
        if lecture.intitule:
            annexe.intitule = lecture.intitule[:300]
        if lecture.reserve:
            annexe.reserve = lecture.reserve[:300]
        plan.annexe, plan.annexe_nouvelle = annexe, True
        rapport.actions.append(
            Action("creation", "annexe", libelle, "", [f"{len(lecture.notes)} note(s) de bas de tableau"])
        )
        return
    details = []
    if lecture.periode and (annexe.periode_debut, annexe.periode_fin) != lecture.periode:
        details.append(f"projection : {annexe.periode_debut}-{annexe.periode_fin} → {debut}-{fin}")
        annexe.periode_debut, annexe.periode_fin = debut, fin
    if lecture.notes and annexe.liste_notes != lecture.notes:
        details.append("notes de bas de tableau remplacées par celles du fichier")
        annexe.notes = notes
    if details:
        plan.annexe = annexe
    rapport.actions.append(Action("modification" if details else "inchange", "annexe", libelle, "", details))


# -- writing ------------------------------------------------------------------------


def appliquer(rapport, user=None, source=versions.Source.IMPORT):
    """Writes the plan of an accepted report, all or nothing, through the write service: every object
    it creates or changes is in the history (source "import", the file's name). ImportPerime if a line
    changed, or its contribution was validated, since the report was made."""
    if not rapport.accepte:
        raise ValueError("Un import refusé ne s'applique pas.")
    plan = rapport._plan
    origine = {"source": source, "detail": rapport.nom_fichier}
    try:
        with transaction.atomic():
            for objet in plan.arbre.nouveaux:
                versions.creer(user, objet, **origine)
            if plan.annexe is not None:
                if plan.annexe_nouvelle:
                    versions.creer(user, plan.annexe, **origine)
                else:
                    versions.modifier(user, plan.annexe, plan.annexe.version, **origine)
            for objet, version in plan.modifications:
                versions.modifier(user, objet, version, **origine)

            liens = {id(d): {"objectifs": objectifs} for d, objectifs, _ in plan.dispositifs}
            versions.creer_en_nombre(user, [d for d, _, _ in plan.dispositifs], m2m=liens, **origine)
            lien = Dispositif.objectifs.through
            lien.objects.bulk_create(
                [lien(dispositif_id=d.pk, objectif_id=o.pk) for d, objectifs, _ in plan.dispositifs for o in objectifs]
            )
            nouvelles = []
            for dispositif, _, estimation in plan.dispositifs:
                estimation.dispositif = dispositif
                nouvelles.append(estimation)
            versions.creer_en_nombre(user, nouvelles + plan.estimations, **origine)
    except versions.Conflit:
        raise ImportPerime(
            "Une ligne a été modifiée par quelqu'un d'autre depuis l'aperçu : rien n'a été écrit. Relancez l'aperçu."
        ) from None
    except versions.Verrouille as refus:
        raise ImportPerime(f"{refus} Rien n'a été écrit.") from None
    except (versions.Doublon, IntegrityError):
        raise ImportPerime(
            "Une partie de ce fichier vient d'être enregistrée par un autre import : rien n'a été écrit. "
            "Relancez l'aperçu."
        ) from None
    return rapport
