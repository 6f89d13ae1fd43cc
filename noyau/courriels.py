"""Mails of the application: written with what they announce, sent by a background task.

`preparer` records the mail in the caller's transaction and queues its sending once that
transaction is committed. The task sends it through Django's mail framework (the backend
comes from the settings: SMTP, files, console) and records the outcome; an error of the
mail server is kept on the row, never raised to the person who clicked.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from .models import Courriel

logger = logging.getLogger(__name__)


def preparer(contrat_id, nature, destinataires, gabarit, contexte):
    """The mail `gabarit` (templates `<gabarit>_sujet.txt` and `<gabarit>.txt`) to these addresses.

    Returns the Courriel, or None when nobody has an address."""
    adresses = sorted({a for a in destinataires if a})
    if not adresses:
        return None
    contexte = {"site": settings.ADRESSE_DU_SITE, **contexte}
    sujet = " ".join(render_to_string(f"{gabarit}_sujet.txt", contexte).split())
    courriel = Courriel.objects.create(
        contrat_id=contrat_id,
        nature=nature,
        destinataires=adresses,
        sujet=sujet[:255],
        corps=render_to_string(f"{gabarit}.txt", contexte),
    )
    transaction.on_commit(lambda: _mettre_en_file(courriel.pk))
    return courriel


def _mettre_en_file(pk):
    try:
        envoyer.enqueue(pk)
    except Exception as erreur:  # the queue itself is down: the row says so, the request goes on
        logger.exception("Courriel %s : mise en file impossible", pk)
        Courriel.objects.filter(pk=pk).update(
            statut=Courriel.Statut.ECHEC, erreur=f"Mise en file impossible : {erreur}"
        )


@task()
def envoyer(pk):
    courriel = Courriel.objects.filter(pk=pk, statut=Courriel.Statut.A_ENVOYER).first()
    if courriel is None:
        return
    message = EmailMessage(courriel.sujet, courriel.corps, settings.DEFAULT_FROM_EMAIL, courriel.destinataires)
    try:
        message.send()
    except Exception as erreur:  # refused, unreachable, timed out: recorded, shown on the dashboard
        logger.warning("Courriel %s non envoyé : %s", pk, erreur)
        Courriel.objects.filter(pk=pk).update(
            statut=Courriel.Statut.ECHEC, erreur=f"{type(erreur).__name__} : {erreur}"
        )
    else:
        Courriel.objects.filter(pk=pk).update(statut=Courriel.Statut.ENVOYE, envoye_le=timezone.now(), erreur="")


def reessayer(courriel):
    """Sends a failed mail again (the dashboard's button)."""
    Courriel.objects.filter(pk=courriel.pk).update(statut=Courriel.Statut.A_ENVOYER, erreur="")
    transaction.on_commit(lambda: _mettre_en_file(courriel.pk))
