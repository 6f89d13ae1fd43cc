"""Hostile workbooks are refused before openpyxl loads them, naming the sheet and the limit;
nothing of them stays in memory after the import (time and memory: make bench)."""

import pytest

from contrat.models import Partenaire
from importation import lecture_classeur
from importation.annexe import analyser
from tests import hostiles

ATTENDUS = {
    "fusion K1:Z200000": "feuille « Annexe » : cellules fusionnées au-delà des limites d'un import (la plage "
    "K1:Z200000",
    "fusion A1:XFD1048576": "feuille « Annexe » : cellules fusionnées au-delà des limites d'un import (la plage "
    "A1:XFD1048576",
    "cellule XFD500": "feuille « Annexe » : la cellule XFD500 est au-delà de la colonne 50 (AX)",
    "1 000 000 de lignes": "feuille « Annexe » : plus de 10000 lignes, au-delà de la limite de 10000 lignes d'un "
    "import",
    "cellule de 90 Mo": "feuille « Annexe » : une cellule contient plus de 5000 caractères",
}


@pytest.mark.parametrize("nom", list(hostiles.HOSTILES))
def test_a_hostile_workbook_is_refused_in_french_before_it_is_loaded(conventions, nom, monkeypatch):
    contenu = hostiles.HOSTILES[nom]()
    assert len(contenu) <= 5 * 1024 * 1024, len(contenu)

    def interdit(*args, **kwargs):
        raise AssertionError("openpyxl ne doit pas charger ce classeur")

    monkeypatch.setattr("openpyxl.load_workbook", interdit)
    rapport = analyser(contenu, conventions, Partenaire.objects.get(slug="caf-21"))
    assert not rapport.accepte
    assert rapport.refus.startswith(ATTENDUS[nom]), rapport.refus


def test_a_huge_number_is_an_error_of_its_cell_not_a_crash(conventions):
    rapport = analyser(hostiles.nombre_immense(), conventions, Partenaire.objects.get(slug="caf-21"))
    assert not rapport.accepte
    assert [e.motif for e in rapport.erreurs] == ["ce montant dépasse mille milliards d'euros : vérifiez-le."]


def test_no_cache_outlives_an_import(conventions):
    analyser(hostiles.base(), conventions, Partenaire.objects.get(slug="caf-21"))
    assert lecture_classeur.normaliser.cache_info().currsize == 0
    assert lecture_classeur.champ_entete.cache_info().currsize == 0


def test_the_limits_leave_a_real_annexe_alone(conventions):
    """The seed's own layout (three pages, merged tree cells, notes) passes the inspection."""
    from tests.classeurs import annexe_caf_2015

    rapport = analyser(annexe_caf_2015(), conventions, Partenaire.objects.get(slug="caf-21"))
    assert rapport.accepte, rapport.refus or rapport.erreurs
