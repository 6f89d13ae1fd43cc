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

    def __init__(self, invitation, depuis_ce_poste=False):
        super().__init__(
            f"{settings.ENVOIS_PAR_ADRESSE_ET_HEURE} liens sont déjà partis vers {invitation.email} dans "
            "l'heure : rien n'est renvoyé. Utilisez le dernier reçu, ou réessayez dans une heure."
        )
        # Said on the page anyone holding an old link sees: the address is not named there.
        self.motif = (
            f"{settings.ENVOIS_PAR_ADRESSE_ET_HEURE} liens sont déjà partis vers l'adresse de cette "
            "invitation dans l'heure : aucun autre n'est envoyé. Utilisez le dernier reçu, ou réessayez "
            "dans une heure."
        )
        if depuis_ce_poste:
            self.motif = (
                "Trop de nouveaux liens d'invitation ont été demandés depuis votre poste dans l'heure : aucun "
                "autre n'est envoyé. Utilisez le dernier reçu, ou réessayez dans une heure."
            )
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
    # An account that exists accepts once signed in; the others create theirs from the link.
    gabarit = "courriels/nouveau_role" if compte_de(invitation.email) else "courriels/invitation"
    courriels.preparer(
        contrat.pk,
        "invitation",
        [invitation.email],
        gabarit,
        {
            "invitation": invitation,
            "contrat": contrat,
            "lien": _lien(invitation),
            "par": _nom(par),
            "jours": VALIDITE.days,
        },
    )


def _membre(user, invitation, par):
    """The role the invitation gives, to this account: created, or switched back on if revoked before."""
    existant = Membre.objects.filter(
        user=user, partenaire=invitation.partenaire, role=invitation.role, contrat=invitation.contrat
    ).first()
    if existant is None:
        return versions.creer(
            par, Membre(user=user, partenaire=invitation.partenaire, role=invitation.role, contrat=invitation.contrat)
        )
    if not existant.actif:
        existant.actif = True
        versions.modifier(par, existant, existant.version)
    return existant


@transaction.atomic
def inviter(par, contrat, email, role, partenaire):
    """Invites `email`: a pending invitation, never an instant role. An address that already has an account
    gets a mail that asks it to accept (from the link, or from its home page) once signed in; any other gets
    the link to create its account."""
    invitation = Invitation(
        contrat=contrat,
        email=email.strip().lower(),
        role=role,
        partenaire=partenaire,
        jeton=secrets.token_urlsafe(24),
        envoyee_le=timezone.now(),
    )
    invitation.user = compte_de(invitation.email)
    versions.creer(par, invitation)
    _envoyer(invitation, par)
    return invitation


def en_attente_pour(user):
    """The invitations this signed-in account may accept: sent to its address, still pending."""
    if not user.is_authenticated or not user.email:
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(email__iexact=user.email, acceptee_le__isnull=True, revoquee=False)
        .select_related("contrat", "partenaire")
        .order_by("contrat__nom", "pk")
    )


class PasPourVous(Exception):
    """The invitation is not (or no longer) this account's to accept."""


def prendre(user, objet, plus_en_attente):
    """The account of the invited address takes what a pending invitation offers — a contract's role
    (`Invitation`) or a role across contracts (`Habilitation`): the row locked, checked, marked accepted through
    the write service. PasPourVous (`plus_en_attente`, or another address) otherwise."""
    objet = type(objet).objects.select_for_update().get(pk=objet.pk)
    if not objet.en_attente:
        raise PasPourVous(plus_en_attente)
    if compte_de(objet.email) != user:
        raise PasPourVous("Cette invitation a été envoyée à une autre adresse que celle de votre compte.")
    objet.user, objet.acceptee_le = user, timezone.now()
    versions.modifier(user, objet, objet.version)
    return objet


def nouveau_compte(email, nom, mot_de_passe):
    """The account of an invited address that has none (its username is its address)."""
    if compte_de(email) is not None:  # (made meanwhile) it signs in and accepts
        raise PasPourVous("Un compte existe déjà pour cette adresse : connectez-vous, puis acceptez l'invitation.")
    compte = get_user_model()(username=email[:150], email=email, first_name=nom[:150])
    compte.set_password(mot_de_passe)
    compte.save()
    return compte


@transaction.atomic
def accepter_role(user, invitation):
    """The account of the invitation's address takes the role it offers."""
    invitation = prendre(
        user, invitation, "Cette invitation n'est plus en attente (déjà acceptée, ou annulée par le chef de projet)."
    )
    return _membre(user, invitation, user)


@transaction.atomic
def decliner(user, invitation):
    """The invitee says no: the invitation is closed, its link dies, the chef de projet sees it."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.en_attente or compte_de(invitation.email) != user:
        raise PasPourVous("Cette invitation n'est pas (ou plus) la vôtre à refuser.")
    invitation.revoquee = True
    versions.modifier(user, invitation, invitation.version)


@transaction.atomic
def renvoyer(par, invitation, client=None):
    """A new link (the older ones die), valid 7 days from now; TropDEnvois past the hour's bound for the
    address, whoever asks (the chef de projet, or the invitee from an expired link), and past the bound of
    the anonymous `client` (its network address) that asks."""
    bornes = [("invitation", invitation.email, settings.ENVOIS_PAR_ADRESSE_ET_HEURE)]
    if client is not None:
        bornes.append(("invitation_client", client, settings.ENVOIS_PAR_CLIENT_ET_HEURE))
    if not quotas.accorder_tous(bornes):
        raise TropDEnvois(invitation, depuis_ce_poste=client is not None and quotas.atteinte(*bornes[-1]))
    invitation.envoyee_le = timezone.now()
    nouveau = secrets.token_urlsafe(24)
    versions.modifier(
        par,
        invitation,
        invitation.version,
        ensuite=lambda: Invitation.objects.filter(pk=invitation.pk).update(jeton=nouveau),
    )
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
        raise LienRefuse(
            "Ce lien d'invitation n'est pas valide : il a été modifié ou mal copié. Copiez le lien "
            "entier du courriel, ou demandez une nouvelle invitation au chef de projet."
        ) from None
    invitation = Invitation.objects.select_related("contrat", "partenaire").filter(pk=donnees.get("i")).first()
    if invitation is None or invitation.revoquee:
        raise LienRefuse("Cette invitation a été annulée. Demandez-en une nouvelle au chef de projet du contrat.")
    if invitation.acceptee_le is not None:
        raise LienRefuse(
            "Cette invitation a déjà servi : votre compte existe. Connectez-vous avec votre adresse "
            "électronique et votre mot de passe (ou « Mot de passe oublié ? »).",
            invitation,
        )
    if donnees.get("j") != invitation.jeton:
        raise LienRefuse(
            "Un lien plus récent vous a été envoyé pour cette invitation : utilisez le dernier reçu, ou "
            "demandez-en un nouveau ci-dessous.",
            invitation,
        )
    try:
        signataire.unsign_object(jeton, max_age=VALIDITE)
    except signing.SignatureExpired:
        raise LienRefuse(
            f"Ce lien d'invitation a expiré (il vaut {VALIDITE.days} jours). Demandez-en un nouveau "
            "ci-dessous : il partira à la même adresse.",
            invitation,
        ) from None
    return invitation


@transaction.atomic
def accepter(invitation, nom, mot_de_passe):
    """Creates the invitee's account and gives it the role."""
    compte = nouveau_compte(invitation.email, nom, mot_de_passe)
    accepter_role(compte, invitation)
    return compte
