"""Words a person reads: no ISO timestamp in a history, mail links at the address the demo is served on."""

import re
import subprocess
from pathlib import Path

from contrat import invitations
from contrat.models import Invitation, Partenaire
from noyau import historique
from noyau.models import Historique

RACINE = Path(__file__).resolve().parent.parent


def test_a_moment_in_the_history_is_written_the_french_way(conventions, comptes):
    caf = Partenaire.objects.get(slug="caf-21")
    invitation = invitations.inviter(comptes["chef.projet"], conventions, "nouvelle@example.org", "agent", caf)
    invitations.renvoyer(comptes["chef.projet"], Invitation.objects.get(pk=invitation.pk))
    entree = Historique.objects.filter(objet="invitation", objet_id=invitation.pk, action="modification").latest("pk")
    lignes = historique.changements(entree)
    moments = [
        (avant, apres) for _libelle, avant, apres in lignes if re.search(r"\d{2}/\d{2}/\d{4} à \d{2}:\d{2}", apres)
    ]
    assert moments, lignes
    assert not any("T" in apres and re.search(r"\d{4}-\d{2}-\d{2}T", apres) for _, _, apres in lignes)


def test_the_demo_s_mail_links_follow_the_port_it_is_served_on():
    sortie = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=RACINE, capture_output=True, text=True, timeout=60
    ).stdout
    lancement = next(ligne for ligne in sortie.splitlines() if "runserver" in ligne)
    assert "ADRESSE_DU_SITE=http://127.0.0.1:8123" in lancement and "127.0.0.1:8123" in lancement


def test_an_invitation_s_subject_says_the_role_whole(
    conventions, comptes, courriels, django_capture_on_commit_callbacks
):
    caf = Partenaire.objects.get(slug="caf-21")
    with django_capture_on_commit_callbacks(execute=True):
        invitations.inviter(comptes["chef.projet"], conventions, "nouvelle@example.org", "agent", caf)
    (courriel,) = [c for c in courriels() if "nouvelle@example.org" in c]
    sujet = " ".join(courriel.split("\n")[1].split())  # (the header folded by the mail library)
    assert sujet == f"Subject: [{conventions.nom}] Invitation : agent — {caf.sigle}"
    assert "…" not in sujet and "..." not in sujet


def test_no_template_comment_runs_over_a_line():
    """« {# … #} » holds on one line: one that runs over is printed on the page as text."""
    ouvertes = []
    for gabarit in (RACINE / "templates").rglob("*.html"):
        for numero, ligne in enumerate(gabarit.read_text().splitlines(), 1):
            if ligne.count("{#") != ligne.count("#}"):
                ouvertes.append(f"{gabarit.relative_to(RACINE)}:{numero}")
    assert ouvertes == []
