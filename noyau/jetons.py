"""Forms that create something are sent once: see `models.Jeton`."""

import secrets
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone

from .models import Jeton

GARDE = timedelta(days=2)  # long after any double click or reload
MESSAGE = "Ce formulaire avait déjà été envoyé : rien n'a été créé une seconde fois. Voici ce qu'il a enregistré."


class DejaEnvoye(Exception):
    def __init__(self, adresse):
        super().__init__("Formulaire déjà envoyé")
        self.adresse = adresse


class JetonMixin(forms.Form):
    jeton = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jeton"].initial = secrets.token_urlsafe(24)


def deja_envoye(request):
    """Where the first submission of this form led, if it was already sent ("" if it led nowhere
    recorded); None for a form not sent before. Checked before the form is even read."""
    jeton = request.POST.get("jeton", "")
    if not jeton or len(jeton) > 64:
        return None
    return Jeton.objects.filter(jeton=jeton).values_list("adresse", flat=True).first()


def consommer(jeton):
    """Uses the token inside the creating transaction; DejaEnvoye if another submission did.

    The row is written first: a concurrent submission waits on it (PostgreSQL) or on the
    database's write lock (SQLite), then finds it."""
    if not jeton:
        return None
    try:
        with transaction.atomic():
            return Jeton.objects.create(jeton=jeton)
    except IntegrityError:
        raise DejaEnvoye(Jeton.objects.filter(jeton=jeton).values_list("adresse", flat=True).first() or "") from None


def noter(utilise, adresse):
    """What the first submission created, for the next ones to be sent to."""
    if utilise is not None:
        utilise.adresse = adresse[:300]
        utilise.save(update_fields=["adresse"])
        Jeton.objects.filter(cree_le__lt=timezone.now() - GARDE).delete()


def une_fois(jeton, creer, adresse=None):
    """Runs `creer()` once per token, in one transaction with the token's use; returns what it
    created. A second submission of the same form raises DejaEnvoye with where the first led."""
    with transaction.atomic():
        utilise = consommer(jeton)
        objet = creer()
        noter(utilise, adresse or objet.get_absolute_url())
    return objet


def vers_le_premier(request, adresse, secours):
    """The answer to a form sent again: where its first submission led, said in French."""
    messages.info(request, MESSAGE)
    return redirect(adresse or secours)
