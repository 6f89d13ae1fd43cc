"""A hang never eats a session: every test runs under a time bound, the long ones under a longer one,
and CI bounds each leg as a whole."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BORNE_DES_LONGS, LONGS

RACINE = Path(__file__).resolve().parent.parent


def test_every_test_of_the_suite_runs_under_a_time_bound(request):
    assert request.config.pluginmanager.hasplugin("timeout")
    borne = float(request.config.getini("timeout"))
    assert 0 < borne < BORNE_DES_LONGS
    assert request.node.get_closest_marker("timeout") is None  # an ordinary test: pyproject's bound


def test_the_long_tests_are_marked_with_a_longer_bound(request):
    """Seen on the tests collected with this one (the whole suite under `make test`)."""
    tests = [i for i in request.session.items if LONGS & set(getattr(i, "fixturenames", ()))]
    if not tests:
        pytest.skip("aucun test long dans cette exécution : lancez la suite entière")
    for item in tests:
        assert item.get_closest_marker("timeout").args[0] >= BORNE_DES_LONGS, item.nodeid


def test_a_hung_test_fails_loudly_instead_of_running_on(tmp_path):
    (tmp_path / "test_fige.py").write_text("import time\n\ndef test_fige():\n    time.sleep(30)\n")
    fini = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider", "-o", "timeout=1", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=25,
    )
    assert fini.returncode == 1
    assert "Timeout" in fini.stdout and "1 failed" in fini.stdout


def test_ci_bounds_each_leg_of_the_suite():
    script = (RACINE / ".ci" / "run").read_text()
    lancements = [ligne for ligne in script.splitlines() if ligne.rstrip().endswith("make test")]
    assert len(lancements) == 2
    for ligne in lancements:
        assert "timeout " in ligne, ligne


def test_make_quality_keeps_complexity_bounded():
    import tomllib

    reglages = tomllib.loads((RACINE / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "C90" in reglages["select"] and reglages["mccabe"]["max-complexity"] == 20
    assert "ruff check" in (RACINE / "Makefile").read_text()


def test_every_versioned_model_takes_its_version_from_one_abstract_model():
    from django.apps import apps

    from noyau.modeles import Versionne

    versionnes = [m for m in apps.get_models() if any(f.name == "version" for f in m._meta.fields)]
    assert len(versionnes) >= 26
    assert [m.__name__ for m in versionnes if not issubclass(m, Versionne)] == []


def test_the_bench_and_the_load_test_stop_only_their_own_processes_and_databases():
    """On a shared server, `pkill -f` ends other people's workers: make charge stops its server's process
    group by the PID it started, and drops only the copy of the database it made."""
    fichiers = [RACINE / "Makefile", *(RACINE / "bench").glob("*"), *(RACINE / "deploiement").glob("*")]
    for fichier in fichiers:
        if fichier.is_file() and fichier.suffix in ("", ".sh", ".py"):
            texte = fichier.read_text(encoding="utf-8")
            assert "pkill" not in texte and "killall" not in texte, fichier
    charge = (RACINE / "bench" / "charge.sh").read_text(encoding="utf-8")
    assert 'kill -- -"$serveur"' in charge and 'dropdb --if-exists "$COPIE"' in charge
    assert "dropdb" not in charge.replace('dropdb --if-exists "$COPIE"', "")  # no other database dropped
