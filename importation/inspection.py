"""A first, streaming pass over a workbook's XML, before openpyxl loads anything.

openpyxl builds an object for every cell and for every cell of a merged range: a few
kilobytes of XML ("A1:XFD1048576" merged, one cell at XFD500, a million empty rows, one
90 MB string) would take gigabytes and minutes. Here each part is read in chunks by expat,
with its bytes counted, and the first limit passed stops the reading with a French message
naming the sheet and the limit. A workbook that passes is small enough to load.
"""

import posixpath
import re
import zipfile
from xml.parsers import expat

from openpyxl.utils import column_index_from_string

# The limits of an annexe (README): far above any real one, far below what hurts the server.
COLONNES_MAX = 50  # column AX; an annexe has 9 columns
CELLULES_MAX = 150_000  # written cells, all sheets together
FUSIONS_MAX = 5_000  # merged ranges, all sheets together
CELLULES_FUSIONNEES_MAX = 100_000  # cells covered by merged ranges, all sheets together
TEXTE_MAX = 5_000  # characters of one cell (a note of the annexe; an intitulé is 500)
MORCEAU = 64 * 1024

REFERENCE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")


class Depassement(Exception):
    """A limit is passed: the message says which, in French."""


def _cellule(reference):
    """(row, column) of "XFD500"; None if unreadable."""
    m = REFERENCE.match(reference.strip().upper())
    if not m:
        return None
    try:
        return int(m.group(2)), column_index_from_string(m.group(1))
    except ValueError:  # past XFD: beyond any limit
        return int(m.group(2)), 10**6


def _etendue(ref):
    """(rows, columns) spanned by "K1:Z200000" (or one cell)."""
    debut, _, fin = ref.partition(":")
    a, b = _cellule(debut), _cellule(fin or debut)
    if a is None or b is None:
        return None
    return abs(b[0] - a[0]) + 1, abs(b[1] - a[1]) + 1


class _Compteur:
    """Counts across the parts of one workbook."""

    def __init__(self, lignes_max):
        self.lignes_max = lignes_max
        self.lignes = 0
        self.cellules = 0
        self.fusions = 0
        self.fusionnees = 0


def _lire(archive, nom, parseur, plafond):
    """Feeds one part to expat in chunks, counting the bytes it unpacks to (whatever its header says)."""
    lus = 0
    with archive.open(nom) as flux:
        while morceau := flux.read(MORCEAU):
            lus += len(morceau)
            if lus > plafond:
                raise Depassement(
                    f"Une fois décompressé, ce classeur dépasse {plafond // (1024 * 1024)} Mo : "
                    "il ne peut pas être importé."
                )
            parseur.Parse(morceau, False)
        parseur.Parse(b"", True)
    return lus


def _feuille(archive, nom, titre, compteur, plafond):
    dans = {"f": 0, "v": 0, "t": 0}
    longueur = [0]
    lieu = f"feuille « {titre} »"

    def debut(balise, attributs):
        local = balise.rpartition(":")[2]
        if local == "row":
            compteur.lignes += 1
            r = attributs.get("r")
            if compteur.lignes > compteur.lignes_max or (r and r.isdigit() and int(r) > compteur.lignes_max):
                raise Depassement(
                    f"{lieu} : plus de {compteur.lignes_max} lignes, au-delà de la limite de "
                    f"{compteur.lignes_max} lignes d'un import. Découpez l'annexe en plusieurs fichiers."
                )
        elif local == "c":
            compteur.cellules += 1
            if compteur.cellules > CELLULES_MAX:
                raise Depassement(
                    f"{lieu} : le classeur compte plus de {CELLULES_MAX} cellules remplies, la limite "
                    "d'un import. Découpez l'annexe en plusieurs fichiers."
                )
            position = _cellule(attributs.get("r", "A1"))
            if position is not None and position[1] > COLONNES_MAX:
                raise Depassement(
                    f"{lieu} : la cellule {attributs['r']} est au-delà de la colonne "
                    f"{COLONNES_MAX} (AX), la limite d'un import : une annexe a 9 colonnes."
                )
            if position is not None and position[0] > compteur.lignes_max:
                raise Depassement(
                    f"{lieu} : la cellule {attributs['r']} est au-delà de la ligne "
                    f"{compteur.lignes_max}, la limite d'un import."
                )
        elif local == "dimension":
            etendue = _etendue(attributs.get("ref", "A1"))
            if etendue and etendue[0] > compteur.lignes_max:
                raise Depassement(
                    f"{lieu} : {etendue[0]} lignes, au-delà de la limite de {compteur.lignes_max} "
                    "lignes d'un import. Découpez l'annexe en plusieurs fichiers."
                )
            if etendue and etendue[1] > COLONNES_MAX:
                raise Depassement(
                    f"{lieu} : elle s'étend sur {attributs['ref']}, au-delà de la colonne "
                    f"{COLONNES_MAX} (AX), la limite d'un import : une annexe a 9 colonnes."
                )
        elif local == "mergeCell":
            compteur.fusions += 1
            etendue = _etendue(attributs.get("ref", ""))
            if etendue is None:
                return
            compteur.fusionnees += etendue[0] * etendue[1]
            if (
                compteur.fusions > FUSIONS_MAX
                or compteur.fusionnees > CELLULES_FUSIONNEES_MAX
                or etendue[0] > compteur.lignes_max
                or etendue[1] > COLONNES_MAX
            ):
                raise Depassement(
                    f"{lieu} : cellules fusionnées au-delà des limites d'un import (la plage "
                    f"{attributs['ref']} ; au plus {FUSIONS_MAX} plages et "
                    f"{CELLULES_FUSIONNEES_MAX} cellules fusionnées)."
                )
        if local in dans:
            dans[local] += 1
            longueur[0] = 0

    def fin(balise):
        local = balise.rpartition(":")[2]
        if local in dans:
            dans[local] -= 1

    def texte(donnees):
        if any(dans.values()):
            longueur[0] += len(donnees)
            if longueur[0] > TEXTE_MAX:
                raise Depassement(
                    f"{lieu} : une cellule contient plus de {TEXTE_MAX} caractères, la limite d'une "
                    "cellule (une note de l'annexe ; un intitulé en compte 500 au plus)."
                )

    parseur = expat.ParserCreate(namespace_separator=":")
    parseur.StartElementHandler, parseur.EndElementHandler, parseur.CharacterDataHandler = debut, fin, texte
    return _lire(archive, nom, parseur, plafond)


def _chaines(archive, nom, plafond):
    longueur = [0]

    def debut(balise, attributs):
        if balise.rpartition(":")[2] == "si":
            longueur[0] = 0

    def texte(donnees):
        longueur[0] += len(donnees)
        if longueur[0] > TEXTE_MAX:
            raise Depassement(
                f"Une cellule du classeur contient plus de {TEXTE_MAX} caractères, la limite d'une "
                "cellule (une note de l'annexe ; un intitulé en compte 500 au plus)."
            )

    parseur = expat.ParserCreate(namespace_separator=":")
    parseur.StartElementHandler, parseur.CharacterDataHandler = debut, texte
    return _lire(archive, nom, parseur, plafond)


def _feuilles(archive):
    """[(part name, sheet title)] in the workbook's order."""
    titres, cibles = [], {}

    def feuille(balise, attributs):
        if balise.rpartition(":")[2] == "sheet":
            identifiant = next((v for k, v in attributs.items() if k.endswith(":id")), "")
            titres.append((attributs.get("name", "?"), identifiant))

    def relation(balise, attributs):
        if balise.rpartition(":")[2] == "Relationship":
            cibles[attributs.get("Id")] = attributs.get("Target", "")

    for nom, gestionnaire in (("xl/workbook.xml", feuille), ("xl/_rels/workbook.xml.rels", relation)):
        if nom in archive.namelist():
            parseur = expat.ParserCreate(namespace_separator=":")
            parseur.StartElementHandler = gestionnaire
            _lire(archive, nom, parseur, 10 * 1024 * 1024)
    parties = []
    for titre, identifiant in titres:
        cible = cibles.get(identifiant, "")
        chemin = cible.lstrip("/") if cible.startswith("/") else posixpath.normpath(posixpath.join("xl", cible))
        parties.append((chemin, titre))
    return parties


def inspecter(archive, lignes_max, decompresse_max):
    """Raises Depassement at the first limit a workbook (an open ZipFile) passes."""
    compteur = _Compteur(lignes_max)
    reste = decompresse_max
    connus = set(archive.namelist())
    vues = set()
    try:
        for partie, titre in _feuilles(archive):
            if partie in connus:
                vues.add(partie)
                reste -= _feuille(archive, partie, titre, compteur, reste)
        # Sheets the workbook does not list are loaded all the same by some readers: bounded too.
        for partie in sorted(n for n in connus if n.startswith("xl/worksheets/") and n.endswith(".xml")):
            if partie not in vues:
                reste -= _feuille(archive, partie, posixpath.basename(partie), compteur, reste)
        if "xl/sharedStrings.xml" in connus:
            _chaines(archive, "xl/sharedStrings.xml", reste)
    except (expat.ExpatError, zipfile.BadZipFile, KeyError, ValueError, EOFError):
        raise Depassement("Le fichier est endommagé : il ne peut pas être lu comme un classeur Excel.") from None
