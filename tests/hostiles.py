"""Hostile workbooks, each at most 5 MB on disk, built from a real annexe by rewriting its XML:
what the import must refuse quickly and in little memory (tests and make bench)."""

import io
import re
import zipfile

from tests.classeurs import annexe_simple, en_octets

LIGNE = (
    "Pilier Cohésion sociale",
    "1 - CONCOURIR A LA REUSSITE EDUCATIVE",
    "1-a) Favoriser les relations parents/enfants/Institutions",
    "CAF",
    "CLAS",
    "",
    6800,
    "",
    20400,
)
FEUILLE = "xl/worksheets/sheet1.xml"


def base():
    return en_octets(annexe_simple([LIGNE, LIGNE[:4] + ("REAAP", "", 1000, "", 3000)]))


def _reecrire(contenu, parties):
    """The workbook with some parts replaced: {name: bytes, or a callable(old bytes) -> bytes or an iterable}."""
    sortie = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(contenu)) as source,
        zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as cible,
    ):
        for info in source.infolist():
            donnees = source.read(info.filename)
            remplacement = parties.get(info.filename)
            if remplacement is not None:
                donnees = remplacement(donnees) if callable(remplacement) else remplacement
            if isinstance(donnees, (bytes, bytearray)):
                cible.writestr(info.filename, donnees)
            else:
                with cible.open(info.filename, "w") as flux:
                    for morceau in donnees:
                        flux.write(morceau)
    return sortie.getvalue()


def fusion(ref="K1:Z200000"):
    """One merged range added to the sheet: openpyxl makes an object for each of its cells."""

    def ajouter(xml):
        if b"<mergeCells" in xml:
            return re.sub(
                rb"<mergeCells count=\"(\d+)\">",
                rb'<mergeCells count="\1"><mergeCell ref="' + ref.encode() + b'"/>',
                xml,
            )
        return xml.replace(
            b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="' + ref.encode() + b'"/></mergeCells>'
        )

    return _reecrire(base(), {FEUILLE: ajouter})


def cellule_lointaine(reference="XFD500"):
    def ajouter(xml):
        ligne = int(re.match(r"[A-Z]+(\d+)", reference).group(1))
        return xml.replace(
            b"</sheetData>",
            f'<row r="{ligne}"><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'.encode(),
        )

    return _reecrire(base(), {FEUILLE: ajouter})


def lignes(nombre=1_000_000):
    """`nombre` one-cell rows after the header: a few MB compressed."""

    def remplacer(xml):
        debut, _, reste = xml.partition(b"<sheetData>")
        _, _, fin = reste.partition(b"</sheetData>")
        yield debut + b"<sheetData>"
        for i in range(1, nombre + 1):
            yield b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i)
        yield b"</sheetData>" + re.sub(rb"<dimension[^>]*/>", b"", fin)

    return _reecrire(base(), {FEUILLE: lambda xml: remplacer(re.sub(rb"<dimension[^>]*/>", b"", xml))})


def cellule_geante(taille=90 * 1024 * 1024):
    """One cell of `taille` characters (shared string): a 100 KB file."""

    def ajouter(xml):
        return xml.replace(
            b"</sheetData>",
            b'<row r="9"><c r="B9" t="inlineStr"><is><t>' + b"a" * taille + b"</t></is></c></row></sheetData>",
        )

    return _reecrire(base(), {FEUILLE: ajouter})


def nombre_immense():
    """The annual amount of a line written 1e300."""
    return en_octets(annexe_simple([LIGNE[:6] + (1e300,) + LIGNE[7:]]))


HOSTILES = {
    "fusion K1:Z200000": lambda: fusion("K1:Z200000"),
    "fusion A1:XFD1048576": lambda: fusion("A1:XFD1048576"),
    "cellule XFD500": cellule_lointaine,
    "1 000 000 de lignes": lignes,
    "cellule de 90 Mo": cellule_geante,
}
