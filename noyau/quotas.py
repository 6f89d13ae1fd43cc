"""Bounds on what anyone may trigger towards one target (an address): so many an hour, counted in the
database so that every application node shares the count."""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Demande

HEURE = timedelta(hours=1)


def cle(nature, cible):
    """The key of a target: its nature and a digest of its normalised value."""
    return f"{nature}:" + hashlib.sha256(" ".join(str(cible).split()).lower().encode()).hexdigest()[:64]


@transaction.atomic
def accorder(nature, cible, limite, fenetre=HEURE):
    """Whether one more request towards `cible` fits in `limite` per `fenetre`; if so it is counted."""
    cle_ = cle(nature, cible)
    depuis = timezone.now() - fenetre
    Demande.objects.filter(faite_le__lt=depuis).delete()  # old requests are not kept
    if Demande.objects.filter(cle=cle_, faite_le__gte=depuis).count() >= limite:
        return False
    Demande.objects.create(cle=cle_)
    return True
