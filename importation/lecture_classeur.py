"""Reading an annexe financière from a workbook shaped like the printed one (seed 000).

This module only reads: it turns a workbook into lines, tree rows, totals and
notes, or into precise errors (sheet, row, column, value, reason, in French).
Matching what was read with the database and writing it is `import_annexe`.

What real annexes do, and what the reader copes with: title rows before the
header; the header found by its labels (case, accents, line breaks, typos such
as "PILERS"); the header repeated for every printed page; several sheets;
grouping cells merged over their rows or left blank under their first row;
codes "1 - …", "1-a) …", several objectifs in one cell; amounts as numbers, as
French text or as words; "EN PROJET :" before an intitulé; a TOTAL line and
sub-totals; starred footnotes; formulas, whose cached values are read.
"""

import difflib
import functools
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl.utils import get_column_letter

from noyau.montants import euros, parse_montant

from .inspection import Depassement, inspecter


def taille_max():
    """Read at each import, so that a change of settings (or a test's) takes effect."""
    return settings.IMPORT_TAILLE_MAX


def lignes_max():
    return settings.IMPORT_LIGNES_MAX


# A few kilobytes of zip can unpack to gigabytes: the unpacked size is bounded too.
DECOMPRESSE_MAX = 100 * 1024 * 1024

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: .xls, or an encrypted .xlsx
# Invisible characters: C0 and C1 controls, bidirectional overrides (text shown other than it reads),
# and the "_x0007_" escapes a spreadsheet writes for controls that XML cannot hold.
CONTROLE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|_x00(?:0[0-8BbCcEeFf]|1[0-9A-Fa-f])_"
)
# The escapes of the tab, line feed and carriage return are ordinary text.
ECHAPPEMENTS = {"_x000D_": "", "_x000d_": "", "_x0009_": "\t", "_x000A_": "\n", "_x000a_": "\n"}
ANNEE = re.compile(r"\b((?:19|20)\d{2})\b")
PERIODE = re.compile(r"\b((?:19|20)\d{2})\s*(?:-|–|—|à|a)\s*((?:19|20)\d{2})\b")
EN_PROJET = re.compile(r"^\s*en\s+projet\s*:?\s*", re.IGNORECASE)
ORIENTATION = re.compile(r"^\s*(\d{1,2})\s*[-–—.)]\s*(\S.*)$", re.DOTALL)
# "1-a)", "1 - a)", "1a)", "2-b." : one objectif starts at each code.
CODE_OBJECTIF = re.compile(r"(?:^|(?<=\s))(\d{1,2})\s*[-–]?\s*([a-z])\s*[).]\s*", re.IGNORECASE)
PILIER = re.compile(r"^\s*piliers?\s*(?:(\d{1,2})\s*[:\-–—.]?)?\s*", re.IGNORECASE)
# Words partners write where no figure is known yet: an unknown amount, kept as a remark.
MONTANT_INCONNU = re.compile(
    r"pas de donnee|non chiffr|non connu|inconnu|a definir|a determiner|non communique|non disponible|"
    r"^n\.?\s?[cd]\.?$|^-+$|^\?+$|^—$|^–$",
)

COLONNES = {
    "pilier": "PILIER",
    "orientation": "ORIENTATIONS STRATÉGIQUES",
    "objectifs": "OBJECTIFS OPÉRATIONNELS",
    "service": "Service responsable du financement",
    "intitule": "Intitulé du dispositif / Offre de services",
    "unite": "Unité de compte",
    "annuel": "Estimation de la valorisation financière annuelle",
    "remarques": "Remarques",
    "pluri": "Montant estimatif pluriannuel",
}
OBLIGATOIRES = ["pilier", "orientation", "objectifs", "service", "intitule", "annuel"]
GROUPEMENT = ["pilier", "orientation", "objectifs", "service", "intitule"]  # merged cells spread over their rows
CONTENU = ["service", "intitule", "unite", "annuel", "remarques", "pluri"]
# Checked in this order: "Offre de services" is the intitulé, not the service responsable.
MOTS_ENTETE = [
    ("intitule", ("intitule", "dispositif", "offre de service")),
    ("annuel", ("annuelle", "annuel", "valorisation")),
    ("pluri", ("estimatif", "pluriannuel", "projection", "montant")),
    ("unite", ("unite",)),
    ("remarques", ("remarque", "observation", "commentaire")),
    ("service", ("responsable", "service", "financeur")),
    ("pilier", ("pilier",)),
    ("orientation", ("orientation",)),
    ("objectifs", ("objectif",)),
]
VOCABULAIRE = [
    "pilier",
    "piliers",
    "orientation",
    "orientations",
    "objectif",
    "objectifs",
    "intitule",
    "dispositif",
    "remarque",
    "remarques",
    "unite",
    "estimatif",
    "annuelle",
    "valorisation",
    "responsable",
    "service",
]


# Both are called for every cell and every label compared; their caches live for one import
# only (`oublier`), so that a long-lived worker keeps nothing of the files it read.
@functools.lru_cache(maxsize=8192)
def normaliser(texte):
    """Lower case, no accents, one space between words, no stars: for comparing labels."""
    texte = unicodedata.normalize("NFKD", str(texte))
    texte = "".join(c for c in texte if not unicodedata.combining(c)).lower()
    texte = texte.replace("’", "'").replace("*", " ")
    return " ".join(texte.split()).strip(" .,;:")


def _mots_corriges(texte):
    # Typos of the header ("PILERS", "OBJECTFS") read as the nearest known word.
    mots = []
    for mot in re.findall(r"[a-z]+", texte):
        proche = difflib.get_close_matches(mot, VOCABULAIRE, n=1, cutoff=0.8)
        mots.append(proche[0] if proche else mot)
    return " ".join(mots)


@functools.lru_cache(maxsize=4096)
def champ_entete(texte):
    texte = normaliser(texte)
    if not texte:
        return None
    corrige = _mots_corriges(texte)
    for champ, mots in MOTS_ENTETE:
        if any(mot in texte or mot in corrige for mot in mots):
            return champ
    return None


class FichierRefuse(Exception):
    """The file as a whole cannot be read: the message says why, in French."""


@dataclass
class Erreur:
    feuille: str
    ligne: int
    colonne: str  # "G (Estimation de la valorisation financière annuelle)" or ""
    valeur: str
    motif: str

    def __str__(self):
        ou = f"feuille « {self.feuille} », ligne {self.ligne}"
        if self.colonne:
            ou += f", colonne {self.colonne}"
        valeur = f" : « {self.valeur[:120]} »" if self.valeur else ""
        return f"{ou}{valeur} — {self.motif}"


class _Rangee:
    """Where a row of the file is, for the report and its errors."""

    @property
    def ou(self):
        return f"feuille « {self.feuille} », ligne {self.numero}"

    def colonne(self, champ):
        return nom_colonne(self.colonnes, champ)


@dataclass
class LigneLue(_Rangee):
    """One line of the annexe: a dispositif with its estimate, as the file states it."""

    feuille: str
    numero: int
    pilier: str
    orientation: str
    objectifs: str
    service: str
    intitule: str
    unite: str
    annuel: Decimal | None
    remarques: str
    pluri: Decimal | None
    en_projet: bool = False
    annuel_mot: str = ""  # "pas de données chiffrées à ce jour" written instead of a figure
    pluri_mot: str = ""
    colonnes: dict = field(default_factory=dict, repr=False)  # field → column of this row's header


@dataclass
class BrancheLue(_Rangee):
    """A row that only states the tree (an objectif without any line yet)."""

    feuille: str
    numero: int
    pilier: str
    orientation: str
    objectifs: str
    colonnes: dict = field(default_factory=dict, repr=False)


@dataclass
class Total:
    feuille: str
    numero: int
    libelle: str
    annuel: Decimal | None
    pluri: Decimal | None
    sous_total: bool
    lignes: list  # the lines it adds up
    lignes_du_fichier: list
    colonnes: dict = field(default_factory=dict, repr=False)


@dataclass
class Lecture:
    lignes: list = field(default_factory=list)
    branches: list = field(default_factory=list)
    totaux: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    erreurs: list = field(default_factory=list)
    avertissements: list = field(default_factory=list)
    annee: int | None = None
    periode: tuple | None = None
    intitule: str = ""
    reserve: str = ""
    feuilles: list = field(default_factory=list)  # (name, first header row) of the sheets read

    def verifier_totaux(self):
        """A total that disagrees with its lines is an error; formulas are never trusted blindly."""
        for total in self.totaux:
            nom = "sous-total" if total.sous_total else "TOTAL"
            for cle, libelle in (("annuel", "annuel"), ("pluri", "pluriannuel")):
                attendu = getattr(total, cle)
                if attendu is None:
                    continue
                groupes = (total.lignes, total.lignes_du_fichier)
                sommes = [_somme(getattr(ln, cle) for ln in groupe) for groupe in groupes]
                if attendu not in sommes:
                    ecart = attendu - sommes[0]
                    self.erreurs.append(
                        Erreur(
                            total.feuille,
                            total.numero,
                            nom_colonne(total.colonnes, cle),
                            total.libelle,
                            f"le {nom} {libelle} du fichier ({euros(attendu)}) ne correspond pas à la somme des lignes "
                            f"({euros(sommes[0])}) : écart de {euros(abs(ecart))}. Corrigez le total ou les lignes.",
                        )
                    )


def nom_colonne(colonnes, champ):
    """ "G (Estimation de la valorisation financière annuelle)": the letter the user sees, and what it holds."""
    c = colonnes.get(champ)
    return f"{get_column_letter(c)} ({COLONNES[champ]})" if c else COLONNES[champ]


def taille(octets):
    """5242880 → "5 Mo", 21811 → "21,3 Ko"."""
    valeur, unite = (octets / 1024 / 1024, "Mo") if octets >= 1024 * 1024 else (octets / 1024, "Ko")
    return f"{valeur:.1f}".removesuffix(".0").replace(".", ",") + f" {unite}"


def _somme(montants):
    return sum((m for m in montants if m is not None), Decimal("0"))


# -- opening the file -----------------------------------------------------------


def ouvrir(contenu):
    """(workbook with formulas, workbook with cached values), or FichierRefuse."""
    from openpyxl import load_workbook

    if len(contenu) > taille_max():
        raise FichierRefuse(
            f"Le fichier pèse {taille(len(contenu))} : la limite est de {taille(taille_max())}. "
            "Découpez l'annexe en plusieurs fichiers."
        )
    if contenu.startswith(OLE):
        if "EncryptedPackage".encode("utf-16-le") in contenu:
            raise FichierRefuse(
                "Le classeur est protégé par un mot de passe : enregistrez-en une copie sans mot de passe, puis "
                "importez-la."
            )
        raise FichierRefuse(
            "Ce classeur est au format Excel 97-2003 (.xls) : enregistrez-le au format .xlsx, puis importez-le."
        )
    if not contenu.startswith(ZIP):
        raise FichierRefuse(
            "Ce fichier n'est pas un classeur Excel (.xlsx) : choisissez le fichier de l'annexe financière."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            noms = archive.namelist()
            if "mimetype" in noms and b"opendocument" in archive.read("mimetype"):
                raise FichierRefuse(
                    "Ce classeur est au format OpenDocument (.ods) : enregistrez-le au format .xlsx, puis importez-le."
                )
            if "xl/workbook.xml" not in noms:
                raise FichierRefuse(
                    "Ce fichier n'est pas un classeur Excel (.xlsx) : choisissez le fichier de l'annexe financière."
                )
            if sum(info.file_size for info in archive.infolist()) > DECOMPRESSE_MAX:
                raise FichierRefuse(
                    f"Une fois décompressé, ce classeur dépasse {taille(DECOMPRESSE_MAX)} : il ne peut pas être "
                    "importé."
                )
            inspecter(archive, lignes_max(), DECOMPRESSE_MAX)
    except Depassement as depassement:
        raise FichierRefuse(str(depassement)) from None
    except zipfile.BadZipFile:
        raise FichierRefuse("Le fichier est endommagé : il ne peut pas être lu comme un classeur Excel.") from None
    try:
        formules = load_workbook(io.BytesIO(contenu), data_only=False)
        valeurs = load_workbook(io.BytesIO(contenu), data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken package; all mean the same to the user
        raise FichierRefuse("Le fichier est endommagé : il ne peut pas être lu comme un classeur Excel.") from None
    lignes = sum(ws.max_row for ws in formules.worksheets)
    if lignes > lignes_max():
        raise FichierRefuse(
            f"Le classeur compte {lignes} lignes : la limite est de {lignes_max()} lignes. Découpez l'annexe en "
            "plusieurs fichiers."
        )
    return formules, valeurs


def oublier():
    normaliser.cache_clear()
    champ_entete.cache_clear()


def lire_fichier(contenu):
    try:
        formules, valeurs = ouvrir(contenu)
        return Lecteur(formules, valeurs).lire()
    finally:
        oublier()


# -- reading the sheets ---------------------------------------------------------


def _premier_texte(textes, hors_colonnes):
    """What a row says first: its tree, partner or label cell, else a text outside the columns."""
    for champ in ("pilier", "orientation", "objectifs", "service", "intitule"):
        if textes.get(champ, ""):
            return textes[champ]
    return next(iter(hors_colonnes), "")


class Lecteur:
    def __init__(self, formules, valeurs):
        self.formules = formules
        self.valeurs = valeurs
        self.lecture = Lecture()
        self.lignes_du_fichier = []
        # Grouping cells carry on to the next sheet, as they do to the next printed page.
        self.courant = dict.fromkeys(GROUPEMENT, "")

    def lire(self):
        lecture = self.lecture
        for ws in self.formules.worksheets:
            lues = len(lecture.feuilles)
            self._feuille(ws, self.valeurs[ws.title])
            if len(lecture.feuilles) == lues and ws.max_row > 1:
                lecture.avertissements.append(
                    f"feuille « {ws.title} » : aucune ligne d'en-tête, la feuille n'a pas été lue."
                )
        if not lecture.feuilles:
            lecture.erreurs.append(
                Erreur(
                    self.formules.worksheets[0].title,
                    1,
                    "",
                    "",
                    "aucune ligne d'en-tête trouvée : le tableau doit avoir les colonnes "
                    + ", ".join(f"« {COLONNES[c]} »" for c in OBLIGATOIRES)
                    + ".",
                )
            )
        elif lecture.annee is None:
            feuille, ligne = lecture.feuilles[0]
            lecture.erreurs.append(
                Erreur(
                    feuille,
                    ligne,
                    "",
                    "",
                    "l'année de l'estimation est introuvable : écrivez-la dans l'en-tête de la colonne annuelle "
                    "(« Estimation de la valorisation financière annuelle 2015 »).",
                )
            )
        if not lecture.erreurs:  # with a line unread, its total cannot agree: its error says enough
            lecture.verifier_totaux()
        return lecture

    # -- cells

    def _cellule(self, ws, ws_valeurs, r, c, etendue):
        """(value, is a formula without a cached value) of a cell, merged cells spread down their rows."""
        r0, c0 = etendue.get((r, c), (r, c))
        cellule = ws.cell(r0, c0)
        if cellule.data_type == "f":
            valeur = ws_valeurs.cell(r0, c0).value
            return valeur, valeur is None
        return cellule.value, False

    def _etendues(self, ws, colonnes_groupement):
        """Merged cells of the grouping columns, spread over the rows they span; others stay on their first cell."""
        etendue = {}
        for plage in ws.merged_cells.ranges:
            if plage.min_row == plage.max_row or plage.min_col not in colonnes_groupement:
                continue
            for r in range(plage.min_row + 1, plage.max_row + 1):
                etendue[(r, plage.min_col)] = (plage.min_row, plage.min_col)
        return etendue

    def _entete(self, ws, r, largeur):
        """{field: column} when the row is a header, else None."""
        trouves, autres = {}, 0
        for c in range(1, min(largeur, 30) + 1):
            valeur = ws.cell(r, c).value
            if valeur is None or valeur == "":
                continue
            champ = champ_entete(valeur) if isinstance(valeur, str) else None
            if champ and champ not in trouves:
                trouves[champ] = c
            else:
                autres += 1
        # A line can hold words of the header ("Dispositif 12", "remarque"); a header holds little else.
        if "intitule" in trouves and len(trouves) >= 5 and autres <= 1:
            return trouves
        return None

    def _titre(self, texte):
        """Title rows before the header say the year, the period, the reserve."""
        lecture = self.lecture
        norme = normaliser(texte)
        if norme.startswith("sous reserve") and not lecture.reserve:
            lecture.reserve = " ".join(texte.split())
        elif norme.startswith("dispositifs mobilisables") and not lecture.intitule:
            lecture.intitule = " ".join(texte.split())
        elif norme.startswith("estimation des aides") and lecture.annee is None:
            if m := ANNEE.search(norme):
                lecture.annee = int(m.group(1))
        elif norme.startswith("projection") and lecture.periode is None:
            if m := PERIODE.search(norme):
                lecture.periode = (int(m.group(1)), int(m.group(2)))

    def _lire_entete(self, ws, r, colonnes):
        lecture = self.lecture
        annuel = normaliser(ws.cell(r, colonnes["annuel"]).value or "")
        if m := ANNEE.search(annuel):
            annee = int(m.group(1))
            if lecture.annee not in (None, annee) and lecture.feuilles:
                lecture.erreurs.append(
                    Erreur(
                        ws.title,
                        r,
                        self._nom_colonne(colonnes, "annuel"),
                        annuel,
                        f"l'année {annee} diffère de celle de l'en-tête précédent ({lecture.annee}) : un import "
                        "porte sur une seule année.",
                    )
                )
            lecture.annee = annee
        if "pluri" in colonnes:
            pluri = normaliser(ws.cell(r, colonnes["pluri"]).value or "")
            if m := PERIODE.search(pluri):
                lecture.periode = (int(m.group(1)), int(m.group(2)))

    @staticmethod
    def _nom_colonne(colonnes, champ):
        return nom_colonne(colonnes, champ)

    def _colonnes_manquantes(self, ws, r, entete):
        """Whether a header row lacks a column every line needs (then said, and the sheet not read)."""
        manquantes = [c for c in OBLIGATOIRES if c not in entete]
        if manquantes:
            noms = ", ".join(f"« {COLONNES[c]} »" for c in manquantes)
            self.lecture.erreurs.append(Erreur(ws.title, r, "", "", f"l'en-tête ne contient pas les colonnes {noms}."))
        return bool(manquantes)

    def _rangee(self, ws, ws_valeurs, r, largeur, etendue, champs):
        """A row's cells: ({field: (value, without value, column)}, the texts outside the columns,
        whether a cell holds invisible control characters — said, and the row left out)."""
        valeurs, hors_colonnes, erreur = {}, [], False
        for c in range(1, largeur + 1):
            valeur, sans_valeur = self._cellule(ws, ws_valeurs, r, c, etendue)
            if isinstance(valeur, str) and "_x00" in valeur:
                for echappement, caractere in ECHAPPEMENTS.items():
                    valeur = valeur.replace(echappement, caractere)
            if isinstance(valeur, str) and CONTROLE.search(valeur):
                motif = "la cellule contient des caractères de contrôle invisibles : retapez son texte."
                self.lecture.erreurs.append(Erreur(ws.title, r, get_column_letter(c), CONTROLE.sub("?", valeur), motif))
                erreur = True
            champ = champs.get(c)
            if champ is None:
                if valeur not in (None, "") and not sans_valeur:
                    hors_colonnes.append(str(valeur))
                continue
            valeurs[champ] = (valeur, sans_valeur, c)
        return valeurs, hors_colonnes, erreur

    def _feuille(self, ws, ws_valeurs):
        lecture = self.lecture
        colonnes, champs = None, {}
        etendue = {}
        en_attente = []  # rows without line content: tree rows, or titles of the next printed page
        courant = self.courant
        lignes_feuille = []
        apres_total = False

        largeur = ws.max_column  # computed over every cell by openpyxl: once per sheet
        for r in range(1, ws.max_row + 1):
            entete = self._entete(ws, r, largeur)
            if entete:
                if self._colonnes_manquantes(ws, r, entete):
                    return
                if colonnes is None:
                    lecture.feuilles.append((ws.title, r))
                    etendue = self._etendues(ws, {entete[c] for c in GROUPEMENT})
                colonnes = entete
                champs = {c: champ for champ, c in colonnes.items()}
                self._lire_entete(ws, r, colonnes)
                en_attente = []  # titles repeated above the header of a new page
                apres_total = False
                continue

            valeurs, textes_hors_colonnes, erreur = self._rangee(ws, ws_valeurs, r, largeur, etendue, champs)
            if erreur:
                continue

            if colonnes is None:
                for texte in textes_hors_colonnes:
                    self._titre(texte)
                continue

            textes = {k: _texte(v[0]) for k, v in valeurs.items()}
            premier = _premier_texte(textes, textes_hors_colonnes)
            norme = normaliser(premier)
            if not any(textes.values()) and not textes_hors_colonnes:
                continue
            if apres_total:
                self._note(premier or " ".join(textes_hors_colonnes))
                continue
            if norme.startswith(("sous-total", "sous total")):
                self._total(ws.title, r, premier, valeurs, colonnes, lignes_feuille, sous_total=True)
                lignes_feuille = []
                courant.update(dict.fromkeys(GROUPEMENT, ""))
                en_attente = []
                continue
            if norme.startswith("total"):
                self._total(
                    ws.title, r, premier, valeurs, colonnes, self._lignes_de_la_feuille(ws.title), sous_total=False
                )
                apres_total = True
                en_attente = []
                continue
            if premier.startswith("*") and not any(textes.get(k) for k in CONTENU):
                self._note(premier)
                continue

            a_contenu = any(textes.get(k) for k in CONTENU) or any(v[1] for v in valeurs.values())
            if not a_contenu:
                en_attente.append((r, textes))
                continue
            for numero, textes_branche in en_attente:
                self._branche(ws.title, numero, textes_branche, courant, colonnes)
            en_attente = []
            ligne = self._ligne(ws, r, valeurs, textes, colonnes, courant)
            if ligne is not None:
                lignes_feuille.append(ligne)
                self.lignes_du_fichier.append(ligne)
                lecture.lignes.append(ligne)
        for numero, textes_branche in en_attente:
            # Rows after the last line with no header after them are tree rows, not titles.
            self._branche(ws.title, numero, textes_branche, courant, colonnes)

    def _lignes_de_la_feuille(self, feuille):
        return [ligne for ligne in self.lignes_du_fichier if ligne.feuille == feuille]

    def _note(self, texte):
        texte = " ".join(str(texte).split())
        if texte and not normaliser(texte).startswith("edite le"):
            self.lecture.notes.append(texte)

    def _avancer(self, textes, courant):
        """Carries the grouping cells down: a blank repeats the row above; a new pilier starts its own tree."""
        niveaux = ["pilier", "orientation", "objectifs"]
        for i, niveau in enumerate(niveaux):
            valeur = textes.get(niveau, "")
            if valeur and valeur != courant[niveau]:
                courant[niveau] = valeur
                for dessous in niveaux[i + 1 :] + ["intitule"]:
                    if not textes.get(dessous):
                        courant[dessous] = ""
        if textes.get("service"):
            courant["service"] = textes["service"]

    def _branche(self, feuille, numero, textes, courant, colonnes):
        self._avancer(textes, courant)
        if courant["pilier"] or courant["orientation"] or courant["objectifs"]:
            self.lecture.branches.append(
                BrancheLue(feuille, numero, courant["pilier"], courant["orientation"], courant["objectifs"], colonnes)
            )

    def _ligne(self, ws, r, valeurs, textes, colonnes, courant):
        lecture = self.lecture
        # A line written across the tree columns ("Poste référent PLV 0,5 ETP"): outside any pilier.
        hors_pilier = (
            not textes.get("intitule")
            and textes.get("pilier")
            and not textes.get("orientation")
            and not textes.get("objectifs")
            and not PILIER.match(textes["pilier"])
        )
        if hors_pilier:
            intitule = textes["pilier"]
            courant.update(pilier="", orientation="", objectifs="", intitule="")
        else:
            self._avancer(textes, courant)
            intitule = textes.get("intitule") or courant["intitule"]
        if textes.get("service"):
            courant["service"] = textes["service"]
        courant["intitule"] = intitule

        erreurs = len(lecture.erreurs)
        for champ, (_valeur, sans_valeur, c) in valeurs.items():
            if sans_valeur:
                lecture.erreurs.append(
                    Erreur(
                        ws.title,
                        r,
                        self._nom_colonne(colonnes, champ),
                        str(ws.cell(r, c).value),
                        "formule sans valeur calculée : ouvrez le fichier dans un tableur et enregistrez-le, "
                        "ou remplacez la formule par sa valeur.",
                    )
                )
        montants = {}
        for champ in ("annuel", "pluri"):
            valeur = valeurs.get(champ, (None, False, 0))[0]
            try:
                montants[champ] = lire_montant(valeur)
            except ValidationError as e:
                lecture.erreurs.append(
                    Erreur(ws.title, r, self._nom_colonne(colonnes, champ), _texte(valeur), e.messages[0])
                )
                montants[champ] = (None, "")
        if not intitule:
            lecture.erreurs.append(
                Erreur(
                    ws.title,
                    r,
                    self._nom_colonne(colonnes, "intitule"),
                    "",
                    "l'intitulé du dispositif est vide alors que la ligne a un contenu : écrivez-le.",
                )
            )
        if not courant["service"]:
            lecture.erreurs.append(
                Erreur(
                    ws.title,
                    r,
                    self._nom_colonne(colonnes, "service"),
                    "",
                    "le service responsable du financement est vide : écrivez le sigle ou le nom du partenaire.",
                )
            )
        for champ, limite in (("intitule", 500), ("unite", 500)):
            texte = intitule if champ == "intitule" else textes.get(champ, "")
            if len(texte) > limite:
                lecture.erreurs.append(
                    Erreur(
                        ws.title,
                        r,
                        self._nom_colonne(colonnes, champ),
                        texte,
                        f"le texte dépasse {limite} caractères ({len(texte)}) : raccourcissez-le ou placez la suite "
                        "en remarque.",
                    )
                )
        if len(lecture.erreurs) > erreurs:
            return None
        en_projet = bool(EN_PROJET.match(intitule))
        return LigneLue(
            feuille=ws.title,
            numero=r,
            pilier=courant["pilier"],
            orientation=courant["orientation"],
            objectifs=courant["objectifs"],
            service=courant["service"],
            intitule=EN_PROJET.sub("", intitule).strip() if en_projet else intitule,
            unite=textes.get("unite", ""),
            remarques=textes.get("remarques", ""),
            annuel=montants["annuel"][0],
            annuel_mot=montants["annuel"][1],
            pluri=montants["pluri"][0],
            pluri_mot=montants["pluri"][1],
            en_projet=en_projet,
            colonnes=colonnes,
        )

    def _total(self, feuille, r, libelle, valeurs, colonnes, lignes, sous_total):
        lecture = self.lecture
        montants = {}
        for champ in ("annuel", "pluri"):
            valeur, sans_valeur, c = valeurs.get(champ, (None, False, 0))
            if sans_valeur:
                # Our own export writes =SUM() without a cached value: nothing to compare with.
                message = (
                    f"feuille « {feuille} », ligne {r} : le {libelle} est une formule sans valeur enregistrée, "
                    "il n'a pas pu être comparé à la somme des lignes."
                )
                if not sous_total and message not in lecture.avertissements:
                    lecture.avertissements.append(message)
                montants[champ] = None
                continue
            try:
                montants[champ] = lire_montant(valeur)[0]
            except ValidationError as e:
                lecture.erreurs.append(
                    Erreur(feuille, r, self._nom_colonne(colonnes, champ), _texte(valeur), e.messages[0])
                )
                montants[champ] = None
        lecture.totaux.append(
            Total(
                feuille,
                r,
                " ".join(libelle.split()),
                montants["annuel"],
                montants["pluri"],
                sous_total,
                list(lignes),
                list(self.lignes_du_fichier),
                colonnes,
            )
        )


def _texte(valeur):
    if valeur is None:
        return ""
    if isinstance(valeur, float) and valeur.is_integer():
        valeur = int(valeur)
    return str(valeur).strip()


def lire_montant(valeur):
    """(Decimal euros or None, the words written instead of a figure). Raises ValidationError in French."""
    if valeur is None or valeur == "":
        return None, ""
    if isinstance(valeur, bool):
        raise ValidationError("une case à cocher (VRAI/FAUX) à la place d'un montant.")
    if isinstance(valeur, int | float | Decimal):
        try:
            montant = Decimal(repr(valeur)) if isinstance(valeur, float) else Decimal(valeur)
        except InvalidOperation:
            raise ValidationError("ce nombre ne peut pas être lu comme un montant.") from None
        if not montant.is_finite():
            raise ValidationError("ce nombre ne peut pas être lu comme un montant.")
        if montant.copy_abs() >= Decimal("1e12"):  # before any arithmetic: 1e300 cannot be rounded to the cent
            raise ValidationError("ce montant dépasse mille milliards d'euros : vérifiez-le.")
        centimes = montant.quantize(Decimal("0.01"))
        # A float computed by a spreadsheet (0,1 + 0,2) carries noise far below the cent.
        if abs(montant - centimes) > Decimal("0.000001"):
            raise ValidationError("un montant a au plus deux décimales (les centimes).")
        if centimes < 0:
            raise ValidationError("un montant ne peut pas être négatif.")
        if centimes >= Decimal("1e12"):
            raise ValidationError("ce montant dépasse mille milliards d'euros : vérifiez-le.")
        return centimes, ""
    if not isinstance(valeur, str):
        raise ValidationError("une date ou une heure à la place d'un montant.")
    texte = " ".join(valeur.split()) if valeur.strip() else ""
    if not texte:
        return None, ""
    norme = normaliser(texte)
    if not re.search(r"\d", texte) and MONTANT_INCONNU.search(norme):
        return None, texte
    compact = re.sub(r"\s*(€|eur|euros?)\s*$", "", texte, flags=re.IGNORECASE).strip()
    try:
        return parse_montant(compact), ""
    except ValidationError as e:
        if e.code == "invalide":
            raise ValidationError(
                "montant illisible : écrivez-le en chiffres (12 100 000 € ou 1 234,50), "
                "ou « pas de données chiffrées à ce jour » s'il n'est pas connu."
            ) from None
        raise ValidationError(e.messages[0][0].lower() + e.messages[0][1:]) from None
