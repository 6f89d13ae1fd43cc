"""Inviting people into a contract: a role, an e-mail, a single-use link valid 7 days.

Every change goes through the write service (who invited whom, with which role, who revoked).
The link is the invitation's id and `jeton`, signed with the time it was sent (Django's signing):
a forged link fails the signature, an old one the age, a used or revoked one the invitation's
state, and a link sent before the last "renvoyer" its `jeton`.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from noyau import courriels, quotas, versions

from .models import Invitation, Membre

VALIDITE = timedelta(days=7)
SEL = "contrat.invitation"


class LienRefuse(Exception):
    """Why a link does not open: `motif` is said to the person, `invitation` is known when the link
    was genuine (an expired link can then be sent again)."""

    def __init__(self, motif, invitation=None):
        super().__init__(motif)
        self.motif, self.invitation = motif, invitation


class TropDEnvois(Exception):
    """The address has had its links for this hour: nothing is sent, the link it holds stays good."""

    def __init__(self, invitation):
        super().__init__(f"{settings.ENVOIS_PAR_ADRESSE_ET_HEURE} liens sont déjà partis vers {invitation.email} dans "
                         "l'heure : rien n'est renvoyé. Utilisez le dernier reçu, ou réessayez dans une heure.")
        # Said on the page anyone holding an old link sees: the address is not named there.
        self.motif = (f"{settings.ENVOIS_PAR_ADRESSE_ET_HEURE} liens sont déjà partis vers l'adresse de cette "
                      "invitation dans l'heure : aucun autre n'est envoyé. Utilisez le dernier reçu, ou réessayez "
                      "dans une heure.")
        self.invitation = invitation


def compte_de(email):
    comptes = list(get_user_model().objects.filter(email__iexact=email)[:2])
    return comptes[0] if len(comptes) == 1 else None


def _lien(invitation):
    jeton = signing.TimestampSigner(salt=SEL).sign_object({"i": invitation.pk, "j": invitation.jeton})
    return reverse("contrat:invitation", args=[jeton])


def _nom(par):
    return (par.get_full_name() or par.get_username()) if par is not None else "Le chef de projet du contrat"


def _envoyer(invitation, par):
    contrat = invitation.contrat
    courriels.preparer(contrat.pk, "invitation", [invitation.email], "courriels/invitation", {
        "invitation": invitation, "contrat": contrat, "lien": _lien(invitation),
        "par": _nom(par), "jours": VALIDITE.days,
    })


def _membre(user, invitation, par):
    """The role the invitation gives, to this account: created, or switched back on if revoked before."""
    existant = Membre.objects.filter(user=user, partenaire=invitation.partenaire, role=invitation.role,
                                     contrat=invitation.contrat).first()
    if existant is None:
        return versions.creer(par, Membre(user=user, partenaire=invitation.partenaire, role=invitation.role,
                                          contrat=invitation.contrat))
    if not existant.actif:
        existant.actif = True
        versions.modifier(par, existant, existant.version)
    return existant


@transaction.atomic
def inviter(par, contrat, email, role, partenaire):
    """Invites `email`. An address that already has an account gets the role at once (no second
    account) and a mail that says so; any other gets the link to create its account."""
    invitation = Invitation(contrat=contrat, email=email.strip().lower(), role=role, partenaire=partenaire,
                            jeton=secrets.token_urlsafe(24), envoyee_le=timezone.now())
    compte = compte_de(invitation.email)
    if compte is not None:
        invitation.user, invitation.acceptee_le = compte, timezone.now()
        versions.creer(par, invitation)
        _membre(compte, invitation, par)
        courriels.preparer(contrat.pk, "role", [compte.email], "courriels/nouveau_role", {
            "invitation": invitation, "contrat": contrat, "lien": reverse("accueil"),
            "par": _nom(par)})
        return invitation
    versions.creer(par, invitation)
    _envoyer(invitation, par)
    return invitation


@transaction.atomic
def renvoyer(par, invitation):
    """A new link (the older ones die), valid 7 days from now; TropDEnvois past the hour's bound for the
    address, whoever asks (the chef de projet, or the invitee from an expired link)."""
    if not quotas.accorder("invitation", invitation.email, settings.ENVOIS_PAR_ADRESSE_ET_HEURE):
        raise TropDEnvois(invitation)
    invitation.envoyee_le = timezone.now()
    nouveau = secrets.token_urlsafe(24)
    versions.modifier(par, invitation, invitation.version,
                      ensuite=lambda: Invitation.objects.filter(pk=invitation.pk).update(jeton=nouveau))
    invitation.jeton = nouveau
    _envoyer(invitation, par)


@transaction.atomic
def revoquer(par, invitation=None, membre=None):
    """Closes a pending invitation, or takes a member's role away: effective at their next request."""
    if invitation is not None and invitation.en_attente:
        invitation.revoquee = True
        versions.modifier(par, invitation, invitation.version)
    if membre is not None and membre.actif:
        membre.actif = False
        versions.modifier(par, membre, membre.version)


def lire(jeton):
    """The pending invitation a link opens; LienRefuse (in French) otherwise."""
    signataire = signing.TimestampSigner(salt=SEL)
    try:
        donnees = signataire.unsign_object(jeton)
    except (signing.BadSignature, ValueError, TypeError):
        raise LienRefuse("Ce lien d'invitation n'est pas valide : il a été modifié ou mal copié. Copiez le lien "
                         "entier du courriel, ou demandez une nouvelle invitation au chef de projet.") from None
    invitation = Invitation.objects.select_related("contrat", "partenaire").filter(pk=donnees.get("i")).first()
    if invitation is None or invitation.revoquee:
        raise LienRefuse("Cette invitation a été annulée. Demandez-en une nouvelle au chef de projet du contrat.")
    if invitation.acceptee_le is not None:
        raise LienRefuse("Cette invitation a déjà servi : votre compte existe. Connectez-vous avec votre adresse "
                         "électronique et votre mot de passe (ou « Mot de passe oublié ? »).", invitation)
    if donnees.get("j") != invitation.jeton:
        raise LienRefuse("Un lien plus récent vous a été envoyé pour cette invitation : utilisez le dernier reçu, ou "
                         "demandez-en un nouveau ci-dessous.", invitation)
    try:
        signataire.unsign_object(jeton, max_age=VALIDITE)
    except signing.SignatureExpired:
        raise LienRefuse(f"Ce lien d'invitation a expiré (il vaut {VALIDITE.days} jours). Demandez-en un nouveau "
                         "ci-dessous : il partira à la même adresse.", invitation) from None
    return invitation


@transaction.atomic
def accepter(invitation, nom, mot_de_passe):
    """Creates the invitee's account (its username is its address) and gives it the role."""
    User = get_user_model()
    compte = compte_de(invitation.email)
    if compte is None:
        compte = User(username=invitation.email[:150], email=invitation.email, first_name=nom[:150])
        compte.set_password(mot_de_passe)
        compte.save()
    invitation.user, invitation.acceptee_le = compte, timezone.now()
    versions.modifier(compte, invitation, invitation.version)
    _membre(compte, invitation, compte)
    return compte
