"""The official list of the quartiers prioritaires: `charger_qpv` reads the official CSV (`;`, quoted
multi-commune cells, the leading zero the file drops), loads twice without duplicates, refuses a
malformed file naming the line; a contract's perimeter picks a QPV by code, and a 2015 quartier is
linked to the QPV that succeeds it."""

import html
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from contrat.models import Commune, PerimetreQuartier, QuartierPrioritaire

EXEMPLE = Path(__file__).parent.parent / "fixtures" / "qpv" / "exemple-format-listeqp2024.csv"


def test_the_official_format_loads_twice_without_duplicates(conventions, capsys):
    call_command("charger_qpv", str(EXEMPLE))
    assert "5 quartiers prioritaires lus : 5 créés, 0 mis à jour, 0 inchangés." in capsys.readouterr().out
    call_command("charger_qpv", str(EXEMPLE))
    assert "5 quartiers prioritaires lus : 0 créés, 0 mis à jour, 5 inchangés." in capsys.readouterr().out
    assert QuartierPrioritaire.objects.count() == 5
    # A QPV over two communes is linked to each; the communes already known get their INSEE code.
    intercommunal = QuartierPrioritaire.objects.get(code="QN02193N")
    assert sorted(c.slug for c in intercommunal.communes.all()) == ["chenove", "dijon"]
    assert Commune.objects.get(slug="dijon").code_insee == "21231"
    assert Commune.objects.filter(code_insee="21231").count() == 1
    # 1053 in the file is 01053: the leading zero of a département below 10 is restored.
    ain = QuartierPrioritaire.objects.get(code="QN00190N")
    assert [(c.nom, c.code_insee) for c in ain.communes.all()] == [("Bourg-en-Bresse", "01053")]


def test_a_changed_name_is_updated_not_duplicated(conventions, tmp_path, capsys):
    call_command("charger_qpv", str(EXEMPLE))
    fichier = tmp_path / "liste.csv"
    fichier.write_text(
        EXEMPLE.read_text(encoding="utf-8").replace("Grésilles (exemple)", "Les Grésilles (exemple)"), encoding="utf-8"
    )
    call_command("charger_qpv", str(fichier))
    assert "0 créés, 1 mis à jour, 4 inchangés." in capsys.readouterr().out
    assert QuartierPrioritaire.objects.get(code="QN02191N").nom == "Les Grésilles (exemple)"


@pytest.mark.parametrize(
    "ligne,message",
    [
        ("QN0219;Mauvais code;21231;Dijon", "Ligne 3 : code « QN0219 » invalide (attendu par exemple QN02101M)."),
        (
            'QN02194N;Deux codes, une commune;"21231; 21166";Dijon',
            "Ligne 3 : 2 code(s) INSEE pour 1 commune(s) — il en faut autant, séparés par « ; ».",
        ),
        (
            "QN02195N;Trois colonnes;21231",
            "Ligne 3 : 4 colonnes attendues (code_qp;lib_qp;insee_com;lib_com), 3 trouvées.",
        ),
        (
            "QN02196N;Code INSEE;2123X;Dijon",
            "Ligne 3 : code INSEE « 2123X » invalide (5 caractères, par exemple 21231).",
        ),
        ("QN02190N;Doublon;21231;Dijon", "Ligne 3 : le code QN02190N figure déjà ligne 2."),
    ],
)
def test_a_malformed_line_is_refused_by_its_number_and_nothing_is_loaded(conventions, tmp_path, ligne, message):
    fichier = tmp_path / "liste.csv"
    fichier.write_text(
        f"code_qp;lib_qp;insee_com;lib_com\nQN02190N;Fontaine d'Ouche (exemple);21231;Dijon\n{ligne}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as refus:
        call_command("charger_qpv", str(fichier))
    assert message in str(refus.value) and "Rien n'a été chargé." in str(refus.value)
    assert not QuartierPrioritaire.objects.exists()


def test_a_wrong_header_or_a_missing_file_is_said(conventions, tmp_path):
    fichier = tmp_path / "liste.csv"
    fichier.write_text("code;nom\nQN02190N;X\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Ligne 1 : en-tête attendu « code_qp;lib_qp;insee_com;lib_com »"):
        call_command("charger_qpv", str(fichier))
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("charger_qpv", str(tmp_path / "absent.csv"))


def test_the_perimeter_picks_a_qpv_by_code_and_links_a_2015_quartier_to_its_successor(connecter, conventions):
    call_command("charger_qpv", str(EXEMPLE))
    chef = connecter("chef.projet")
    page = html.unescape(chef.get("/contrats/grand-dijon/perimetre/?qpv=QN02193N").content.decode())
    assert "QN02193N" in page and "Chenôve (21166), Dijon (21231)" in page
    qpv = QuartierPrioritaire.objects.get(code="QN02193N")
    reponse = chef.post(
        "/contrats/grand-dijon/perimetre/qpv/ajouter/", {"qpv": qpv.pk, "nature": "prioritaire", "recherche": "Chenôve"}
    )
    # Back to the search as it was: its results stay there for the next quartier to add.
    assert reponse.status_code == 302 and reponse["Location"].endswith("/perimetre/?qpv=Chen%C3%B4ve#qpv-trouves")
    lien = PerimetreQuartier.objects.get(contrat=conventions, qpv=qpv)
    assert (lien.code, lien.nature) == ("QN02193N", "prioritaire")
    # Twice: said, not duplicated.
    chef.post("/contrats/grand-dijon/perimetre/qpv/ajouter/", {"qpv": qpv.pk, "nature": "prioritaire"})
    assert PerimetreQuartier.objects.filter(contrat=conventions, qpv=qpv).count() == 1
    # Search by commune and by name.
    assert "QN02192N" in chef.get("/contrats/grand-dijon/perimetre/?qpv=Chenôve").content.decode()
    assert "QN02191N" in chef.get("/contrats/grand-dijon/perimetre/?qpv=Grésilles").content.decode()
    assert "QN00190N" in chef.get("/contrats/grand-dijon/perimetre/?qpv=01053").content.decode()  # by INSEE code
    # A 2015 quartier of the perimeter gets the 2024 QPV that succeeds it.
    ancien = PerimetreQuartier.objects.filter(contrat=conventions, qpv__isnull=True).select_related("quartier").first()
    successeur = QuartierPrioritaire.objects.get(code="QN02190N")
    assert (
        chef.post(
            "/contrats/grand-dijon/perimetre/qpv/successeur/", {"lien": ancien.pk, "qpv": successeur.pk}
        ).status_code
        == 302
    )
    assert PerimetreQuartier.objects.get(pk=ancien.pk).qpv == successeur
    perimetre = html.unescape(chef.get("/contrats/grand-dijon/perimetre/").content.decode())
    assert f"{successeur.code} — {successeur.nom}" in perimetre
    # Only the chef de projet (and the administrator) change the perimeter.
    assert (
        connecter("agent.caf")
        .post("/contrats/grand-dijon/perimetre/qpv/ajouter/", {"qpv": qpv.pk, "nature": "prioritaire"})
        .status_code
        == 403
    )


def test_the_official_list_on_the_perimeter_page_reads_on_a_phone_and_passes_axe(live_server, comptes, navigateur):
    from .navigateur import se_connecter
    from .test_navigateur_campagne import TELEPHONE, accessible, rien_ne_deborde

    call_command("charger_qpv", str(EXEMPLE))
    page = navigateur.new_context(locale="fr-FR").new_page()
    se_connecter(page, live_server.url, "chef.projet")
    page.goto(f"{live_server.url}/contrats/grand-dijon/perimetre/")
    page.get_by_label("Nom, code ou commune").fill("QN02193N")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("button", name="Ajouter Quartier intercommunal (exemple) (QN02193N)").click()
    assert "Quartier intercommunal (exemple) (QN02193N) est dans le périmètre." in page.content()
    assert page.locator("#quartiers").get_by_text("QN02193N — Quartier intercommunal (exemple)").count() == 1
    page.goto(f"{live_server.url}/contrats/grand-dijon/perimetre/?qpv=Dijon")
    accessible(page)
    page.set_viewport_size(TELEPHONE)
    rien_ne_deborde(page)
    accessible(page)


def _fichier_endommage(chemin):
    """A list with good lines around a NUL byte, a 100 000-character name, a name over the 200 the field holds
    and a 50 MB line — written by blocks, as a damaged export could be."""
    with open(chemin, "w", encoding="utf-8", newline="\n") as f:
        f.write("code_qp;lib_qp;insee_com;lib_com\nQN02190N;Fontaine d'Ouche (exemple);21231;Dijon\n")
        f.write("QN02191N;Grés\x00illes;21231;Dijon\n")  # line 3
        f.write(f"QN02192N;{'x' * 100_000};21231;Dijon\n")  # line 4
        f.write(f"QN02193N;Quartier {'n' * 271};21231;Dijon\n")  # line 5: 280 characters
        f.write("QN02194N;")  # line 6: 50 MB
        bloc = "y" * (1 << 20)
        for _ in range(50):
            f.write(bloc)
        f.write(";21231;Dijon\nQN02195N;Bonne ligne (exemple);21231;Dijon\n")


MESSAGES_ENDOMMAGE = [
    "Ligne 3 : caractère nul",
    "Ligne 4 : ligne trop longue (plus de 2000 caractères)",
    "Ligne 5 : le nom du quartier QN02193N a 280 caractères (au plus 200).",
    "Ligne 6 : ligne trop longue (plus de 2000 caractères)",
]


def test_a_damaged_file_is_refused_naming_its_lines_in_bounded_memory(conventions, tmp_path):
    import tracemalloc

    fichier = tmp_path / "liste.csv"
    _fichier_endommage(fichier)
    communes = Commune.objects.count()
    tracemalloc.start()
    try:
        with pytest.raises(CommandError) as refus:
            call_command("charger_qpv", str(fichier))
        _, pic = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(refus.value)
    assert message.startswith("Rien n'a été chargé.")
    for attendu in MESSAGES_ENDOMMAGE:
        assert attendu in message
    assert len(message) < 2000  # the refused values are not copied into the message
    assert pic < 20 * 1024 * 1024, f"{pic / 1024 / 1024:.1f} Mo"  # blocks of the 50 MB line, never the line
    assert not QuartierPrioritaire.objects.exists() and Commune.objects.count() == communes


def test_the_command_on_a_damaged_file_exits_non_zero_under_200_mb(tmp_path):
    import subprocess
    import sys

    fichier = tmp_path / "liste.csv"
    _fichier_endommage(fichier)
    racine = Path(__file__).resolve().parent.parent
    # The process's own peak resident memory (VmHWM, in kB: ru_maxrss would carry the forking pytest's), Django
    # and its imports included.
    mesure = (
        "import re, runpy, sys\n"
        "sys.argv = ['manage.py', 'charger_qpv', sys.argv[1]]\n"
        "try:\n    runpy.run_path('manage.py', run_name='__main__')\n"
        "finally:\n    statut = open('/proc/self/status').read()\n"
        "    print('pic', re.search(r'VmHWM:\\s+(\\d+)', statut).group(1), file=sys.stderr)\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'jamais-ouverte.sqlite3'}"
    fait = subprocess.run(
        [sys.executable, "-c", mesure, str(fichier)], cwd=racine, env=env, capture_output=True, text=True, timeout=120
    )
    assert fait.returncode == 1, fait.stderr[-3000:]
    assert "Traceback" not in fait.stderr
    for attendu in MESSAGES_ENDOMMAGE:
        assert attendu in fait.stderr
    pic = int(fait.stderr.rsplit("pic ", 1)[1])
    assert pic < 200 * 1024, f"{pic / 1024:.0f} Mo"
