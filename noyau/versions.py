"""The one write path of every versioned object: forms, grid, import, admin and commands.

A change is a compare-and-set on `version` (UPDATE … WHERE version = the one the user
read), so of two people saving the same row, the second is refused on SQLite and
PostgreSQL alike. The lock rules are checked again inside the transaction, on the row as
it is and on the row as it would be, and the history entry is written in that same
transaction: all of it, or nothing.
"""

from collections import defaultdict

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast

from . import historique
from .models import Historique

Source = Historique.Source
Action = Historique.Action

# model → [(rule(objet) -> reason or None, the same rule for many objects or None)]. Each app
# registers the rules of its data at start-up.
_verrous = defaultdict(list)


class Conflit(Exception):
    """Someone saved the row since the user read it (or deleted it: `actuel` is None)."""

    def __init__(self, actuel):
        super().__init__("Modification concurrente")
        self.actuel = actuel
        self.derniere = historique.derniere(actuel) if actuel is not None else None


class Verrouille(Exception):
    """A rule forbids the change (a validated contribution): the message says which and what to do."""


class Doublon(Exception):
    """The row would repeat one that exists (saved meanwhile by someone else, or sent twice)."""


def _doublon(modele, erreur):
    texte = str(erreur)
    for contrainte in modele._meta.constraints:
        # PostgreSQL names the constraint; SQLite lists its columns.
        colonnes = [modele._meta.get_field(c).column for c in getattr(contrainte, "fields", ())]
        nommee = contrainte.name in texte or (
            colonnes and all(f"{modele._meta.db_table}.{c}" in texte for c in colonnes)
        )
        if nommee and getattr(contrainte, "violation_error_message", None):
            return Doublon(str(contrainte.violation_error_message))
    return Doublon(
        f"Cet élément ({modele._meta.verbose_name}) existe déjà : il vient sans doute d'être enregistré "
        "par quelqu'un d'autre, ou le formulaire a été envoyé deux fois. Rechargez la page."
    )


def verrou(modele, regle, en_nombre=None):
    """Registers a rule for a model: `regle(objet)` returns why it may not be written, or None;
    `en_nombre(objets)`, if given, answers the same for many objects in a few queries (an import)."""
    _verrous[modele].append((regle, en_nombre))


def raison_du_verrou(objet):
    return raison_en_nombre([objet])


def raison_en_nombre(objets):
    """Why one of these objects may not be written (the first reason found), or None."""
    par_modele = defaultdict(list)
    for objet in objets:
        par_modele[type(objet)].append(objet)
    for modele, groupe in par_modele.items():
        for regle, en_nombre in _verrous.get(modele, ()):
            raison = en_nombre(groupe) if en_nombre else next(filter(None, map(regle, groupe)), None)
            if raison:
                return raison
    return None


def _verifier(*objets):
    raison = raison_en_nombre(objets)
    if raison:
        raise Verrouille(raison)


def _ecrire_m2m(objet, m2m):
    for nom, valeurs in (m2m or {}).items():
        getattr(objet, nom).set(valeurs)


def creer(user, objet, m2m=None, *, source=Source.FORMULAIRE, detail="", ensuite=None):
    """Creates the row; Doublon (never an IntegrityError) if a uniqueness rule already holds it."""
    try:
        with transaction.atomic():
            _verifier(objet)
            if hasattr(objet, "version"):
                objet.version = 1
            objet.save()
            _ecrire_m2m(objet, m2m)
            if ensuite is not None:
                ensuite()
            historique.entree(user, objet, Action.CREATION, source=source, detail=detail, m2m=m2m).save()
    except IntegrityError as erreur:
        objet.pk = None
        raise _doublon(type(objet), erreur) from None
    return objet


def modifier(user, objet, version_lue, m2m=None, *, source=Source.FORMULAIRE, detail="", commentaire="", ensuite=None):
    """Writes the tracked fields of `objet` if the row is still at `version_lue`; Conflit otherwise.

    `ensuite`: what else the same form writes (the lists a fiche holds), run before the entry is made."""
    modele = type(objet)
    try:
        with transaction.atomic():
            actuel = modele.objects.select_for_update().filter(pk=objet.pk).first()
            if actuel is None or actuel.version != version_lue:
                raise Conflit(actuel)
            _verifier(actuel, objet)
            avant = historique.instantane(actuel)
            # pre_save, as Model.save does: an uploaded file is written to storage before its name is.
            champs = {c: modele._meta.get_field(c).pre_save(objet, False) for c in modele.suivi.champs}
            if not modele.objects.filter(pk=objet.pk, version=version_lue).update(version=version_lue + 1, **champs):
                raise Conflit(modele.objects.filter(pk=objet.pk).first())
            _ecrire_m2m(objet, m2m)
            if ensuite is not None:
                ensuite()
            objet.version = version_lue + 1
            historique.entree(
                user, objet, Action.MODIFICATION, avant, source=source, detail=detail, commentaire=commentaire, m2m=m2m
            ).save()
    except IntegrityError as erreur:
        objet.version = version_lue
        raise _doublon(modele, erreur) from None
    return objet


def supprimer(user, objet, version_lue=None, *, source=Source.FORMULAIRE, detail=""):
    """Deletes the row if it is still at `version_lue` (models without a version: as it is)."""
    modele = type(objet)
    with transaction.atomic():
        actuel = modele.objects.select_for_update().filter(pk=objet.pk).first()
        if actuel is None or (version_lue is not None and actuel.version != version_lue):
            raise Conflit(actuel)
        _verifier(actuel)
        avant = historique.instantane(actuel)
        historique.entree(user, actuel, Action.SUPPRESSION, avant, source=source, detail=detail).save()
        actuel.delete()


def enregistrer(user, objet, avant, *, action=Action.MODIFICATION, source=Source.FORMULAIRE, detail="", commentaire=""):
    """Records a change written by a caller that holds the row locked in its own transaction (a
    contribution's status transition): the rules are checked and the entry written in that transaction."""
    _verifier(objet)
    historique.entree(user, objet, action, avant, source=source, detail=detail, commentaire=commentaire).save()


def creer_en_nombre(user, objets, *, source, detail="", m2m=None):
    """Many new rows of one model at once (an import): each checked, each in the history.

    `m2m`: {id(objet): {name: [objects]}} for the links written by the caller after this."""
    objets = list(objets)
    if not objets:
        return []
    _verifier(*objets)
    modele = type(objets[0])
    for objet in objets:  # bulk_create sends no pre_save: the columns a model derives are filled here
        if hasattr(objet, "completer"):
            objet.completer()
    try:
        with transaction.atomic():
            modele.objects.bulk_create(objets)
    except IntegrityError as erreur:  # a row saved meanwhile, or the same form sent twice
        raise _doublon(modele, erreur) from None
    vides = {nom: [] for nom in modele.suivi.m2m}  # just created: no link but those given
    Historique.objects.bulk_create(
        [
            historique.entree(
                user, o, Action.CREATION, source=source, detail=detail, m2m={**vides, **(m2m or {}).get(id(o), {})}
            )
            for o in objets
        ]
    )
    return objets


def enregistrer_formset(user, formset, *, source=Source.FORMULAIRE):
    """Saves the rows of an inline formset of a versioned model through this service.

    A row left as the page showed it is not written at all, so that a stale page does not reset
    what someone changed since; a changed row is compared with the version its form read (its
    `version` field). On a Conflit the exception carries the form (`erreur.form`)."""
    for form in formset.forms:
        objet = form.instance
        if form in formset.deleted_forms:
            if objet.pk:
                try:
                    supprimer(user, objet, form.cleaned_data.get("version"), source=source)
                except Conflit as erreur:
                    erreur.form = form
                    raise
            continue
        if not form.has_changed():
            continue
        version_lue = form.cleaned_data.get("version")
        objet = form.save(commit=False)
        setattr(objet, formset.fk.name, formset.instance)
        m2m = {nom: form.cleaned_data[nom] for nom in type(objet).suivi.m2m if nom in form.cleaned_data}
        if objet.pk is not None and version_lue is not None and version_lue != objet.version:
            # Changed by someone else since the page was read: did this user change it at all?
            lu = historique.etat_a_la_version(type(objet), objet.pk, version_lue)
            if lu is not None and historique.memes_champs(lu, historique.instantane(objet, m2m)):
                continue
        try:
            if objet.pk is None:
                creer(user, objet, m2m, source=source)
            else:
                modifier(user, objet, form.cleaned_data.get("version"), m2m, source=source)
        except Conflit as erreur:
            erreur.form = form
            raise


def _memes_liens(actuel, objet):
    """The row as it is points to the same related rows as the one being written: it reuses those
    already loaded, so that the rules read them without a query per row."""
    for champ in type(objet)._meta.concrete_fields:
        if champ.is_relation and champ.many_to_one and getattr(actuel, champ.attname) == getattr(objet, champ.attname):
            if champ.is_cached(objet) and not champ.is_cached(actuel):
                champ.set_cached_value(actuel, champ.get_cached_value(objet))


def modifier_en_nombre(user, changements, *, source=Source.FORMULAIRE, detail=""):
    """Writes many changed rows of one model (a grid) in a number of queries that does not grow
    with them: one read of the rows held, the lock rules for all, one compare-and-set of the
    versions, one write of the fields, one insert of the history entries.

    `changements`: [(objet with its new field values, version the user read)]. A row saved or
    deleted by someone since is not written: returns {pk: Conflit} for those, and writes the
    others (or, if a rule refuses one of them, none: Verrouille)."""
    if not changements:
        return {}
    modele = type(changements[0][0])
    assert not modele.suivi.m2m, (
        "modifier_en_nombre écrit des champs simples (un lien plusieurs-à-plusieurs : modifier)"
    )
    champs = list(modele.suivi.champs)
    conflits = {}
    with transaction.atomic():
        actuels = {o.pk: o for o in modele.objects.select_for_update().filter(pk__in=[o.pk for o, _ in changements])}
        a_ecrire = []
        for objet, version_lue in changements:
            actuel = actuels.get(objet.pk)
            if actuel is None or actuel.version != version_lue:
                conflits[objet.pk] = Conflit(actuel)
            else:
                _memes_liens(actuel, objet)
                a_ecrire.append((objet, actuel, version_lue))
        if not a_ecrire:
            return conflits
        _verifier(*(a for _, a, _ in a_ecrire), *(o for o, _, _ in a_ecrire))
        # One UPDATE: the compare-and-set of every version and the new values, row by row.
        condition = Q()
        for objet, _, version_lue in a_ecrire:
            condition |= Q(pk=objet.pk, version=version_lue)
        valeurs = {}
        for c in champs:
            champ = modele._meta.get_field(c)
            cas = Case(
                *(When(pk=o.pk, then=Value(champ.pre_save(o, False), output_field=champ)) for o, _, _ in a_ecrire),
                output_field=champ,
            )
            # As bulk_update does: PostgreSQL types a CASE of parameters as text unless it is cast.
            valeurs[c] = Cast(cas, output_field=champ) if connection.features.requires_casted_case_in_updates else cas
        if modele.objects.filter(condition).update(version=F("version") + 1, **valeurs) != len(a_ecrire):
            raise Conflit(None)  # held rows cannot move; should it happen, nothing is written
        for objet, _, version_lue in a_ecrire:
            objet.version = version_lue + 1
        Historique.objects.bulk_create(
            [
                historique.entree(
                    user, objet, Action.MODIFICATION, historique.instantane(actuel), source=source, detail=detail
                )
                for objet, actuel, _ in a_ecrire
            ]
        )
    return conflits
