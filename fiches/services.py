"""Writes of fiches, engagements and indicator values, through the dispositifs' compare-and-set and history."""

from django.db import IntegrityError, transaction

from engagements import services
from engagements.services import Conflit

from .models import Mesure


def enregistrer_mesure(user, indicateur, annee, valeur, commentaire, version_lue, existante):
    """Creates, changes or leaves a year's value; a concurrent save of the same year is a Conflit."""
    if existante is None:
        if valeur is None and not commentaire:
            return None
        if version_lue != 0:
            raise Conflit(None)
        try:
            with transaction.atomic():
                return services.creer(user, Mesure(indicateur=indicateur, annee=annee, valeur=valeur, commentaire=commentaire))
        except IntegrityError:
            raise Conflit(Mesure.objects.filter(indicateur=indicateur, annee=annee).first()) from None
    if existante.valeur == valeur and existante.commentaire == commentaire and existante.version == version_lue:
        return existante
    existante.valeur, existante.commentaire = valeur, commentaire
    return services.modifier(user, existante, version_lue)
