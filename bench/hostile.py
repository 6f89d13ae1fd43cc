"""Time and peak memory of `manage.py import_annexe` on hostile workbooks (tests/hostiles.py),
each in a fresh process: what one upload costs the server before it is refused."""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests import hostiles
from tests.classeurs import annexe_simple, en_octets

RACINE = Path(__file__).resolve().parent.parent


# The command runs in a fresh Python that writes, as it exits, the high-water mark of its own memory
# (VmHWM: the pages of this process since it started, not those of the bench that launched it).
ENVELOPPE = """
import atexit, runpy, sys
fichier_du_pic, sys.argv = sys.argv[1], sys.argv[2:]
def pic():
    with open("/proc/self/status") as etat, open(fichier_du_pic, "w") as sortie:
        sortie.write(next(l for l in etat if l.startswith("VmHWM")).split()[1])
atexit.register(pic)
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _mesurer(contenu, contrat, partenaire):
    """(seconds, peak memory in MB, refused) of a dry-run import of `contenu` in a new process."""
    with tempfile.TemporaryDirectory() as dossier:
        fichier, pic = Path(dossier) / "classeur.xlsx", Path(dossier) / "pic"
        fichier.write_bytes(contenu)
        debut = time.perf_counter()
        fin = subprocess.run(
            [
                sys.executable,
                "-c",
                ENVELOPPE,
                str(pic),
                str(RACINE / "manage.py"),
                "import_annexe",
                str(fichier),
                "--contrat",
                contrat,
                "--partenaire",
                partenaire,
            ],
            capture_output=True,
            text=True,
            cwd=RACINE,
        )
        duree = time.perf_counter() - debut
        # What the command said of the file: its refusal, or the count of what it would do.
        motif = next(
            (ln for ln in fin.stdout.splitlines() if ln.startswith(("REFUSÉ", "Essai à blanc"))),
            fin.stderr.strip().splitlines()[-1] if fin.stderr.strip() else "",
        )
        return duree, int(pic.read_text()) / 1024, fin.returncode != 0, motif[:300]  # VmHWM is in kB


def mesurer(contrat, partenaire, sigle, annee):
    resultats = {}
    for nom, fabrique in hostiles.HOSTILES.items():
        contenu = fabrique()
        duree, pic, refuse, motif = _mesurer(contenu, contrat, partenaire)
        resultats[nom] = {
            "octets": len(contenu),
            "s": round(duree, 2),
            "pic_mo": round(pic, 1),
            "refuse": refuse,
            "motif": motif,
        }
    # The largest workbook accepted: 10 000 rows of a real layout (for comparison, no target).
    limite = en_octets(
        annexe_simple(
            [hostiles.LIGNE[:3] + (sigle, f"dispositif {i}", "", i, "", 3 * i) for i in range(1, 9_997)],
            annee=annee,
            periode=f"{annee}-{annee + 2}",
        )
    )
    duree, pic, refuse, motif = _mesurer(limite, contrat, partenaire)
    return resultats, {
        "octets": len(limite),
        "s": round(duree, 2),
        "pic_mo": round(pic, 1),
        "refuse": refuse,
        "motif": motif,
    }
