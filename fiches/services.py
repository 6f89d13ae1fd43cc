"""Writes of indicator values, through the one write path (version, history)."""

from django.db import IntegrityError, transaction

from noyau import versions

from .models import Mesure


def enregistrer_mesure(user, indicateur, annee, valeur, commentaire, version_lue, existante):
    """Creates, changes or leaves a year's value; a concurrent save of the same year is a Conflit."""
    if existante is None:
        if valeur is None and not commentaire:
            return None
        if version_lue != 0:
            raise versions.Conflit(None)
        try:
            with transaction.atomic():
                return versions.creer(
                    user, Mesure(indicateur=indicateur, annee=annee, valeur=valeur, commentaire=commentaire)
                )
        except IntegrityError:
            raise versions.Conflit(Mesure.objects.filter(indicateur=indicateur, annee=annee).first()) from None
    if existante.valeur == valeur and existante.commentaire == commentaire and existante.version == version_lue:
        return existante
    existante.valeur, existante.commentaire = valeur, commentaire
    return versions.modifier(user, existante, version_lue)
