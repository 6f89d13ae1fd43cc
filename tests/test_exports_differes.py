"""Large exports run as background tasks, with a progress page; the file is kept, keyed on
the hash of what it shows, so asking again is instant until the data change."""

import html
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from engagements import exports
from engagements.models import Dispositif, Export

PDF = "/contrats/grand-dijon/annexe-financiere.pdf"
XLSX = "/contrats/grand-dijon/annexe-financiere.xlsx"


@pytest.fixture(autouse=True)
def seuil_bas(settings):
    settings.EXPORT_SEUIL_LIGNES = 10  # the 37 lines of the CAF's annexe count as a large export here


@pytest.fixture
def chef(connecter):
    return connecter("chef.projet")


def _travailleur(monkeypatch):
    """Runs what waits in the queue, as `manage.py db_worker` does. The worker closes "old"
    database connections between tasks; inside a test's transaction that would close the test's
    own connection, so it is left open here (tests/test_production.py runs the real process)."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _pages(contenu):
    return [p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages]


def _compter_rendus(monkeypatch):
    rendus = []
    vrai = exports.annexe_pdf
    monkeypatch.setattr(exports, "annexe_pdf", lambda annexe, edition: rendus.append(1) or vrai(annexe, edition))
    return rendus


def test_without_a_worker_the_export_is_made_in_the_request_and_kept(
    chef, monkeypatch, django_capture_on_commit_callbacks
):
    rendus = _compter_rendus(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        demande = chef.get(PDF)
    export = Export.objects.get()
    assert demande.status_code == 302 and demande["Location"] == f"/exports/{export.pk}/"
    suivi = chef.get(demande["Location"]).content.decode()
    assert "Le fichier est prêt" in suivi and 'http-equiv="refresh"' not in suivi
    fichier = chef.get(f"/exports/{export.pk}/fichier/")
    contenu = b"".join(fichier.streaming_content)
    assert fichier["Content-Type"] == "application/pdf"
    assert "43 130 000 €" in "".join(_pages(contenu))
    assert export.lignes == 37 and rendus == [1]

    # Asked again, data unchanged: the same file at once, nothing rendered.
    with django_capture_on_commit_callbacks(execute=True):
        encore = chef.get(PDF)
    assert encore.status_code == 200 and b"".join(encore.streaming_content) == contenu
    assert rendus == [1] and Export.objects.count() == 1


def test_a_change_of_the_data_makes_a_new_file_and_drops_the_old_one(
    chef, monkeypatch, django_capture_on_commit_callbacks
):
    rendus = _compter_rendus(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        chef.get(PDF)
    ancien = Export.objects.get()
    estimation = Dispositif.objects.get(contrat__slug="grand-dijon", code="caf-2015-06").estimations.get(annee=2015)
    estimation.montant_annuel += 1000
    estimation.save()
    with django_capture_on_commit_callbacks(execute=True):
        demande = chef.get(PDF)
    nouveau = Export.objects.get()
    assert nouveau.pk != ancien.pk and nouveau.cle != ancien.cle and rendus == [1, 1]
    assert demande["Location"] == f"/exports/{nouveau.pk}/"
    assert "43 131 000 €" in "".join(_pages(b"".join(chef.get(f"/exports/{nouveau.pk}/fichier/").streaming_content)))
    assert not ancien.fichier.storage.exists(ancien.fichier.name)


def test_the_partner_filter_is_another_export(chef, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        chef.get(PDF)
        chef.get(PDF, {"partenaire": "caf-21"})
        chef.get(XLSX)
    assert Export.objects.count() == 3
    classeur = Export.objects.get(nature="annexe_xlsx")
    feuille = load_workbook(io.BytesIO(b"".join(chef.get(f"/exports/{classeur.pk}/fichier/").streaming_content))).active
    assert any(c.value == "solvabilisation des familles" for ligne in feuille.iter_rows() for c in ligne)


def test_with_a_worker_the_page_waits_then_offers_the_file(
    chef, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        demande = chef.get(PDF)
    export = Export.objects.get()
    attente = chef.get(demande["Location"]).content.decode()
    assert "En attente de préparation" in attente and '<meta http-equiv="refresh" content="2">' in attente
    assert chef.get(f"/exports/{export.pk}/fichier/")["Location"] == f"/exports/{export.pk}/"  # not yet

    _travailleur(monkeypatch)

    export.refresh_from_db()
    assert export.statut == Export.Statut.PRET
    assert "Le fichier est prêt" in chef.get(demande["Location"]).content.decode()
    assert chef.get(PDF).status_code == 200  # kept: served without waiting


def test_a_failure_is_said_in_french_and_asking_again_retries(chef, monkeypatch, django_capture_on_commit_callbacks):
    def panne(*args):
        raise OSError("disque plein")

    monkeypatch.setattr(exports, "annexe_pdf", panne)
    with django_capture_on_commit_callbacks(execute=True):
        demande = chef.get(PDF)
    page = html.unescape(chef.get(demande["Location"]).content.decode())
    assert "Le fichier n'a pas pu être préparé" in page and "Vous pouvez le demander à nouveau" in page
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        chef.get(PDF)
    assert Export.objects.get().statut == Export.Statut.PRET


def test_data_changed_while_waiting_is_not_filed_under_the_old_hash(
    chef, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        chef.get(PDF)
    Dispositif.objects.filter(contrat__slug="grand-dijon", code="caf-2015-06").update(intitule="nouvel intitulé")
    _travailleur(monkeypatch)
    export = Export.objects.get()
    assert export.statut == Export.Statut.ECHEC and not export.fichier
    assert "Les données ont changé pendant la préparation" in export.erreur


def test_only_those_who_see_the_contract_see_its_exports(connecter):
    from django.core.files.base import ContentFile

    from contrat.models import Contrat

    ailleurs = Contrat.objects.create(
        nom="Contrat d'ailleurs", slug="ailleurs", territoire="Ailleurs", annee_debut=2015, annee_fin=2020
    )
    export = Export.objects.create(
        cle="a" * 64,
        sujet="b" * 64,
        nature="annexe_pdf",
        contrat=ailleurs,
        nom_fichier="annexe.pdf",
        statut=Export.Statut.PRET,
        fichier=ContentFile(b"%PDF-1.4", name="annexe.pdf"),
    )
    for url in (f"/exports/{export.pk}/", f"/exports/{export.pk}/fichier/"):
        assert [connecter(r).get(url).status_code for r in ("agent.pole-emploi", "chef.projet", "admin")] == [
            404,
            404,
            200,
        ]
