"""Loads the official list of the quartiers prioritaires (the 2024 list: décret 2023-1314 corrected by
2024-806, overseas 2024-1211/1212) from its CSV file, `;`-separated with the columns
`code_qp;lib_qp;insee_com;lib_com` — a QPV over several communes lists them joined by « ; », and the
file drops the leading zero of the départements below 10.

Loading twice changes nothing; a malformed line stops the whole load, named by its number, before
anything is written."""

import codecs
import csv
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from contrat import references
from contrat.models import Commune, QuartierPrioritaire
from noyau.models import Historique

COLONNES = ["code_qp", "lib_qp", "insee_com", "lib_com"]
# QN + département on three characters (021, 02A, 971) + order on two digits + N (new), M (modified), I (unchanged).
CODE = re.compile(r"^QN(?:\d{3}|02[AB])\d{2}[NMI]$")
INSEE = re.compile(r"^(?:\d{4,5}|2[AB]\d{3})$")


# A line of the official list is under 300 characters; longer is not a QPV line (a damaged file, a
# pasted blob): refused without being read whole, so memory stays bounded whatever the file holds.
LIGNE_MAX = 2000
TROP_DERREURS = 50


def _longueurs():
    return {
        "code": QuartierPrioritaire._meta.get_field("code").max_length,
        "nom": QuartierPrioritaire._meta.get_field("nom").max_length,
        "commune": Commune._meta.get_field("nom").max_length,
    }


def _apercu(valeur):
    return valeur if len(valeur) <= 40 else valeur[:40] + "…"


def lire(lignes_du_fichier):
    """[(line number, code, name, [(insee, commune name)])] of the file's lines — (number, text or None when
    the line is too long) —; CommandError naming every malformed line."""
    longueurs = _longueurs()
    lignes, erreurs, vus = [], [], {}
    entete_lue = False
    for numero, texte in lignes_du_fichier:
        if len(erreurs) >= TROP_DERREURS:
            erreurs.append(f"… arrêt après {TROP_DERREURS} lignes refusées.")
            break
        if texte is None:
            erreurs.append(
                f"Ligne {numero} : ligne trop longue (plus de {LIGNE_MAX} caractères) : ce n'est pas "
                "une ligne de la liste officielle."
            )
            if not entete_lue:
                break
            continue
        if "\x00" in texte:
            erreurs.append(
                f"Ligne {numero} : caractère nul (octet 0) : le fichier est endommagé ou n'est pas un fichier texte."
            )
            if not entete_lue:
                break
            continue
        cellules = next(csv.reader([texte], delimiter=";"), [])
        if not entete_lue:
            entete_lue = True
            entete = [c.strip().lower() for c in cellules]
            if entete[:4] != COLONNES:
                raise CommandError(
                    f"Ligne 1 : en-tête attendu « {';'.join(COLONNES)} », trouvé « {_apercu(';'.join(entete))} »."
                )
            continue
        if not any(c.strip() for c in cellules):
            continue
        ligne = _ligne(numero, cellules, longueurs, vus)
        if isinstance(ligne, str):
            erreurs.append(ligne)
        else:
            vus[ligne[1]] = numero
            lignes.append(ligne)
    if not entete_lue and not erreurs:
        raise CommandError(f"Ligne 1 : en-tête attendu « {';'.join(COLONNES)} », le fichier est vide.")
    if erreurs:
        raise CommandError("Rien n'a été chargé.\n" + "\n".join(erreurs))
    return lignes


def _ligne(numero, cellules, longueurs, vus):
    """One line of the list, read: (number, code, name, [(insee, commune)]), or why it is refused (text)."""
    if len(cellules) != 4:
        return f"Ligne {numero} : 4 colonnes attendues (code_qp;lib_qp;insee_com;lib_com), {len(cellules)} trouvées."
    code, nom, insee, noms = (" ".join(c.split()) for c in cellules)
    code = code.upper()
    if not CODE.match(code):
        return f"Ligne {numero} : code « {_apercu(code)} » invalide (attendu par exemple QN02101M)."
    if not nom:
        return f"Ligne {numero} : le nom du quartier {code} manque."
    if len(nom) > longueurs["nom"]:
        return f"Ligne {numero} : le nom du quartier {code} a {len(nom)} caractères (au plus {longueurs['nom']})."
    codes = [c.strip().upper() for c in insee.split(";") if c.strip()]
    communes = [c.strip() for c in noms.split(";") if c.strip()]
    if not codes or len(codes) != len(communes):
        return (
            f"Ligne {numero} : {len(codes)} code(s) INSEE pour {len(communes)} commune(s) — il en faut "
            "autant, séparés par « ; »."
        )
    mauvais = [c for c in codes if not INSEE.match(c)]
    if mauvais:
        return f"Ligne {numero} : code INSEE « {_apercu(mauvais[0])} » invalide (5 caractères, par exemple 21231)."
    longue = next((c for c in communes if len(c) > longueurs["commune"]), None)
    if longue:
        return (
            f"Ligne {numero} : le nom de commune « {_apercu(longue)} » a {len(longue)} caractères (au "
            f"plus {longueurs['commune']})."
        )
    if code in vus:
        return f"Ligne {numero} : le code {code} figure déjà ligne {vus[code]}."
    # The file writes 1053 for 01053: the leading zero of the départements below 10 is restored.
    return numero, code, nom, [(c.zfill(5), n) for c, n in zip(codes, communes)]


def _encodage(chemin):
    """UTF-8 (with or without its BOM) if the whole file decodes so, else Windows-1252; read by blocks."""
    decodeur = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(chemin, "rb") as f:
            while bloc := f.read(1 << 20):
                decodeur.decode(bloc)
            decodeur.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"


def lignes_du_fichier(chemin):
    """(number, text) of each line of the file, text None for a line over LIGNE_MAX characters — whose rest
    is skipped by blocks, never held."""
    encodage = _encodage(chemin)
    with open(chemin, encoding=encodage, newline="") as f:
        numero = 0
        while True:
            texte = f.readline(LIGNE_MAX + 1)
            if not texte:
                return
            numero += 1
            if len(texte) > LIGNE_MAX and not texte.endswith(("\n", "\r")):
                while (reste := f.readline(1 << 16)) and not reste.endswith(("\n", "\r")):
                    pass
                yield numero, None
                continue
            yield numero, texte.rstrip("\r\n")


def _commune(insee, nom, par_code, par_slug):
    """The commune of this INSEE code: the one that has it, else the one of that name without a code
    (a commune entered by hand, now given its code), else a new one."""
    commune = par_code.get(insee)
    if commune is None:
        commune = par_slug.get(slugify(nom))
        if commune is not None and not commune.code_insee:
            commune.code_insee = insee
            commune.save(update_fields=["code_insee"])
        else:
            slug = slugify(nom) if slugify(nom) not in par_slug else f"{slugify(nom)}-{insee.lower()}"
            commune = Commune.objects.create(nom=nom, slug=slug, code_insee=insee)
            par_slug[slug] = commune
        par_code[insee] = commune
    return commune


def _tel_que_montre(qpv, communes):
    return {
        "QPV (liste officielle)": f"{qpv.code} {qpv.nom}",
        "communes du QPV": ", ".join(sorted(c.nom for c in communes)),
        "liste": qpv.liste,
    }


def charger(lignes, liste="2024"):
    """Writes the QPV and their communes; returns (created, updated, unchanged)."""
    crees = modifies = inchanges = 0
    with transaction.atomic():
        par_code = {c.code_insee: c for c in Commune.objects.exclude(code_insee="")}
        par_slug = {c.slug: c for c in Commune.objects.all()}
        existants = {q.code: q for q in QuartierPrioritaire.objects.prefetch_related("communes")}
        for _, code, nom, communes in lignes:
            voulues = [_commune(insee, n, par_code, par_slug) for insee, n in communes]
            qpv = existants.get(code)
            if qpv is None:
                qpv = QuartierPrioritaire.objects.create(code=code, nom=nom, liste=liste)
                qpv.communes.set(voulues)
                crees += 1
                continue
            avant = _tel_que_montre(qpv, qpv.communes.all())
            change = False
            if (qpv.nom, qpv.liste) != (nom, liste):
                qpv.nom, qpv.liste = nom, liste
                qpv.save(update_fields=["nom", "liste"])
                change = True
            if {c.pk for c in qpv.communes.all()} != {c.pk for c in voulues}:
                qpv.communes.set(voulues)
                change = True
            if change:  # what the contracts that show this QPV now show: in each one's history
                references.noter(
                    references.liens_du_qpv(qpv),
                    avant,
                    _tel_que_montre(qpv, voulues),
                    source=Historique.Source.COMMANDE,
                    detail=f"Liste officielle des quartiers prioritaires ({liste}) rechargée",
                )
            modifies += change
            inchanges += not change
    return crees, modifies, inchanges


class Command(BaseCommand):
    help = (
        "Charge la liste officielle des quartiers prioritaires (fichier CSV « ; » : code_qp;lib_qp;insee_com;lib_com). "
        "Un second chargement ne crée aucun doublon ; une ligne mal formée arrête tout, nommée par son numéro."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="Chemin du fichier, par exemple listeqp2024-cog2024.csv.")
        parser.add_argument("--liste", default="2024", help="La liste chargée (par défaut 2024).")

    def handle(self, *args, fichier, liste, **options):
        if not Path(fichier).is_file():
            raise CommandError(f"Fichier introuvable : {fichier}")
        try:
            lignes = lire(lignes_du_fichier(fichier))
        except UnicodeDecodeError:
            raise CommandError(f"{fichier} : encodage illisible (UTF-8 ou Windows-1252 attendu).") from None
        crees, modifies, inchanges = charger(lignes, liste)
        self.stdout.write(
            f"{len(lignes)} quartiers prioritaires lus : {crees} créés, {modifies} mis à jour, {inchanges} inchangés."
        )
