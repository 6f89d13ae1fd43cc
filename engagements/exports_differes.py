"""Large exports of the annexe financière, made as background tasks (django-tasks).

Above EXPORT_SEUIL_LIGNES lines, asking for the PDF or the workbook records an `Export`
keyed on the hash of what it will show and queues its making; the person waits on a
progress page. The file is kept: asking again while the data are unchanged serves it at
once; once they change, the hash changes and a new file is made (the older one is removed).
Without a worker (the SQLite demo, the tests) the task backend runs the task in the request.
"""

import hashlib
import json
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django_tasks import task

from contrat.models import Partenaire

from . import exports
from .annexe import Annexe
from .models import Export

logger = logging.getLogger(__name__)

NATURES = {
    "annexe_pdf": ("application/pdf", "inline"),
    "annexe_xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment"),
}


def _hash(donnees):
    return hashlib.sha256(json.dumps(donnees, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def parametres(annexe):
    return {
        "annee": annexe.annee,
        "partenaire": annexe.partenaire_filtre.slug if annexe.partenaire_filtre else None,
        "au": annexe.au.isoformat() if annexe.au else None,
    }


def sujet(nature, annexe):
    return _hash([nature, annexe.contrat.pk, parametres(annexe)])


def empreinte(nature, annexe):
    """The hash of everything the file prints: titles, columns, every row and total, the notes."""
    rangs = []
    for rang in annexe.rangs():
        ligne = rang.ligne
        rangs.append(
            [
                rang.nature,
                rang.pilier.pilier.libelle if rang.pilier else None,
                rang.pilier_rowspan,
                rang.orientation.orientation.libelle if rang.orientation else None,
                rang.orientation_rowspan,
                [o.libelle for o in rang.groupe.objectifs] if rang.groupe else None,
                rang.groupe_rowspan,
                [
                    ligne.dispositif.partenaire.sigle,
                    ligne.dispositif.libelle,
                    ligne.dispositif.unite_compte,
                    ligne.montant_annuel,
                    ligne.remarques,
                    ligne.montant_pluriannuel,
                ]
                if ligne
                else None,
                [rang.pilier.total_annuel, rang.pilier.total_pluriannuel] if rang.nature == "sous_total" else None,
            ]
        )
    return _hash(
        [
            sujet(nature, annexe),
            annexe.contrat.nom,
            annexe.contrat.annee_debut,
            annexe.contrat.annee_fin,
            annexe.titre,
            list(annexe.entete),
            annexe.colonnes,
            annexe.libelle_total,
            list(annexe.notes),
            annexe.version_de_travail,
            annexe.total_annuel,
            annexe.total_pluriannuel,
            rangs,
            [
                [r.partenaire.sigle, r.lignes, r.total_annuel, r.total_pluriannuel, r.situation]
                for r in annexe.recapitulatif
            ],
        ]
    )


def en_arriere_plan(annexe):
    return len(annexe.estimations) >= settings.EXPORT_SEUIL_LIGNES


def demander(nature, annexe, user, nom_fichier):
    """The Export of this annexe as it is now: the one already made, or a new one queued."""
    cle = empreinte(nature, annexe)
    try:
        with transaction.atomic():
            export, cree = Export.objects.get_or_create(
                cle=cle,
                defaults={
                    "sujet": sujet(nature, annexe),
                    "nature": nature,
                    "contrat": annexe.contrat,
                    "parametres": parametres(annexe),
                    "nom_fichier": nom_fichier,
                    "lignes": len(annexe.estimations),
                    "demande_par": user,
                },
            )
    except IntegrityError:  # asked at the same instant by someone else
        export, cree = Export.objects.get(cle=cle), False
    if not cree and export.statut == Export.Statut.ECHEC:
        # A failed export is tried again when asked again.
        cree = bool(
            Export.objects.filter(pk=export.pk, statut=Export.Statut.ECHEC).update(
                statut=Export.Statut.EN_ATTENTE, erreur="", demande_par=user
            )
        )
    if cree:
        transaction.on_commit(lambda: produire.enqueue(export.pk))
        export.refresh_from_db()
    return export


def _annexe_de(export):
    p = export.parametres
    partenaire = Partenaire.objects.get(slug=p["partenaire"]) if p["partenaire"] else None
    au = timezone.datetime.fromisoformat(p["au"]).date() if p["au"] else None
    return Annexe(export.contrat, p["annee"], partenaire, au=au)


@task()
def produire(export_id):
    """Makes the file of an Export. A failure is recorded on it in French, then raised for the worker's log."""
    if not Export.objects.filter(pk=export_id, statut=Export.Statut.EN_ATTENTE).update(
        statut=Export.Statut.EN_COURS, commence_le=timezone.now()
    ):
        return "déjà pris"  # another worker has it, or it is done
    export = Export.objects.select_related("contrat").get(pk=export_id)
    try:
        annexe = _annexe_de(export)
        if empreinte(export.nature, annexe) != export.cle:
            raise DonneesChangees()
        edition = timezone.localdate()
        contenu = (exports.annexe_pdf if export.nature == "annexe_pdf" else exports.annexe_xlsx)(annexe, edition)
        export.fichier.save(f"{export.cle}.{export.nom_fichier.rsplit('.', 1)[-1]}", ContentFile(contenu), save=False)
        export.statut, export.termine_le = Export.Statut.PRET, timezone.now()
        export.save(update_fields=["fichier", "statut", "termine_le"])
    except Exception as erreur:
        message = (
            str(erreur)
            if isinstance(erreur, DonneesChangees)
            else (
                "La préparation du fichier a échoué ; l'équipe technique en est informée. "
                "Vous pouvez le demander à nouveau."
            )
        )
        Export.objects.filter(pk=export_id).update(
            statut=Export.Statut.ECHEC, erreur=message, termine_le=timezone.now()
        )
        logger.exception("Export %s en échec", export_id)
        raise
    # The files of the same export made from older data are no longer of use.
    for ancien in Export.objects.filter(sujet=export.sujet).exclude(pk=export.pk):
        ancien.fichier.delete(save=False)
        ancien.delete()
    return export.fichier.name


class DonneesChangees(Exception):
    def __init__(self):
        super().__init__("Les données ont changé pendant la préparation du fichier : demandez-le à nouveau.")


def servir(export):
    type_, disposition = NATURES[export.nature]
    try:
        contenu = export.fichier.open("rb")
    except FileNotFoundError:
        raise Http404("Ce fichier n'est plus disponible : demandez l'export à nouveau.") from None
    reponse = FileResponse(contenu, content_type=type_)
    reponse["Content-Disposition"] = f'{disposition}; filename="{export.nom_fichier}"'
    return reponse
