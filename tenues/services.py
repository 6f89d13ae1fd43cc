"""Writes of the yearly follow-up. What the partner says goes through `noyau.versions` (version
compared, the rules of `verrous`, history); the chef de projet's validation moves the state of the
row under a row lock and writes its history entry in the same transaction."""

from django.db import transaction
from django.urls import reverse

from contrat import permissions
from noyau import courriels, historique, versions

from .models import Tenue

Etat = Tenue.Etat

TRANSITIONS = {
    # action: (states it starts from, state it leads to)
    "valider": ({Etat.A_VALIDER}, Etat.VALIDE),
    "renvoyer": ({Etat.A_VALIDER}, Etat.RENVOYE),
    # Reopening a validated follow-up lets its partner correct it; the reason is kept.
    "rouvrir": ({Etat.VALIDE}, Etat.RENVOYE),
}
AVEC_MOTIF = {"renvoyer", "rouvrir"}


class TransitionImpossible(Exception):
    pass


def enregistrer(user, contrat, annee, formulaires):
    """Every changed commitment of the page, all or nothing: a conflict or a lock on one row leaves
    every row as it was (versions.Conflit, versions.Verrouille, versions.Doublon are raised)."""
    ecrits = 0
    with transaction.atomic():
        for form in formulaires:
            ligne, donnees = form.ligne, form.cleaned_data
            if form.mesure_changee:
                engagement = ligne.engagement
                engagement.indicateur, engagement.cible = donnees["indicateur"].strip(), donnees["cible"].strip()
                _ecrire(form, "version_engagement", versions.modifier, user, engagement, donnees["version_engagement"])
                ecrits += 1
            if not form.tenue_changee:
                continue
            tenue = ligne.tenue or Tenue(
                contrat=contrat,
                annee=annee,
                partenaire=ligne.partenaire,
                engagement_fiche=ligne.engagement if ligne.de_fiche else None,
                engagement_reciproque=None if ligne.de_fiche else ligne.engagement,
            )
            tenue.statut, tenue.valeur = donnees["statut"], donnees["valeur"].strip()
            tenue.commentaire = donnees["commentaire"].strip()
            # What the partner says again goes back to the chef de projet.
            tenue.etat, tenue.modifie_par = Etat.A_VALIDER, user
            if tenue.pk is None:
                _ecrire(form, "version", versions.creer, user, tenue)
            else:
                _ecrire(form, "version", versions.modifier, user, tenue, donnees["version"])
            ecrits += 1
    return ecrits


def _ecrire(form, champ, ecriture, *args):
    """The write, its refusal carrying the form and the version field it concerns (to say which row)."""
    try:
        ecriture(*args)
    except (versions.Conflit, versions.Verrouille, versions.Doublon) as refus:
        refus.form, refus.champ = form, champ
        raise


def changer_etat(user, tenues, action, motif="", versions_lues=None):
    """Moves these follow-ups (one, or all those awaiting validation) together, or none of them.

    `versions_lues`: {pk: version} as the page showed them; one moved since (a colleague's validation, the
    partner's correction) → Conflit, and none moves: what is validated is what was read."""
    depart, arrivee = TRANSITIONS[action]
    with transaction.atomic():
        objets = list(Tenue.objects.select_for_update().filter(pk__in=[t.pk for t in tenues]).select_related("contrat"))
        if len(objets) != len(tenues):
            raise TransitionImpossible("Un de ces suivis vient d'être supprimé : rechargez la page.")
        for objet in objets:
            if versions_lues is not None and versions_lues.get(objet.pk) != objet.version:
                raise versions.Conflit(objet)
        for objet in objets:
            if objet.etat not in depart:
                raise TransitionImpossible(
                    f"Ce suivi est « {objet.get_etat_display()} » : impossible de le {action}. Rechargez la page."
                )
            avant = historique.instantane(objet)
            objet.etat = arrivee
            objet.motif = motif if action in AVEC_MOTIF else ""
            objet.modifie_par = user
            objet.version += 1
            objet.save()
            historique.entree(user, objet, versions.Action.MODIFICATION, avant, commentaire=motif).save()
            if action in AVEC_MOTIF:
                _prevenir(objet, action, user)
    return objets


def _prevenir(tenue, action, user):
    """The partner's agents learn, by mail sent once the transaction is committed, what to correct."""
    if tenue.partenaire is None:
        return None
    contrat = tenue.contrat
    return courriels.preparer(
        contrat.pk,
        f"tenue_{action}",
        [u.email for u in permissions.agents_de(tenue.partenaire, contrat)],
        "courriels/tenue_renvoyer",
        {
            "tenue": tenue,
            "contrat": contrat,
            "partenaire": tenue.partenaire,
            "par": (user.get_full_name() or user.get_username()) if user else "l'administration",
            "lien": reverse("tenues:annee", args=[contrat.slug, tenue.annee]) + f"#t{tenue.pk}",
        },
    )
