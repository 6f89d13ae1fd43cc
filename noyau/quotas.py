"""Bounds on what anyone may trigger towards one target (an address) and from one client (its network
address): so many an hour, counted in the database so that every application node shares the count, and
old counts purged as new ones come."""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Demande

HEURE = timedelta(hours=1)


def cle(nature, cible):
    """The key of a target: its nature and a digest of its normalised value."""
    empreinte = hashlib.sha256(" ".join(str(cible).split()).lower().encode()).hexdigest()
    # The digest is cut to fit the column (PostgreSQL refuses a longer value; SQLite would keep it).
    return f"{nature}:{empreinte}"[: Demande._meta.get_field("cle").max_length]


@transaction.atomic
def accorder_tous(bornes, fenetre=HEURE):
    """Whether one more request fits in every bound of `bornes` ([(nature, target, limit)]): if so it is
    counted under each; if one is reached, under none (a refused request stores nothing)."""
    depuis = timezone.now() - fenetre
    Demande.objects.filter(faite_le__lt=depuis).delete()  # old requests are not kept
    cles = [(cle(nature, cible), limite) for nature, cible, limite in bornes]
    for cle_, limite in cles:
        if Demande.objects.filter(cle=cle_, faite_le__gte=depuis).count() >= limite:
            return False
    Demande.objects.bulk_create([Demande(cle=cle_) for cle_, _ in cles])
    return True


def atteinte(nature, cible, limite, fenetre=HEURE):
    """Whether the bound of `cible` is reached (to say which of several bounds refused a request)."""
    depuis = timezone.now() - fenetre
    return Demande.objects.filter(cle=cle(nature, cible), faite_le__gte=depuis).count() >= limite
