"""Roles across contracts (`Habilitation`): granted by invitation — a single-use link valid 7 days, as a
contract's roles — by an administrateur, or by the holder of a wider role (the nation grants régions and
départements, a région the départements in it). Every change goes through the write service."""

import secrets
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from noyau import courriels, versions

from . import territoires
from .invitations import PasPourVous, compte_de, nouveau_compte, prendre
from .models import Habilitation

VALIDITE = timedelta(days=7)
SEL = "contrat.habilitation"
NIVEAU = Habilitation.Niveau


class Refus(Exception):
    """Why a role is not granted, or a link does not open: said to the person, in French."""


def _tenues(user):
    return list(Habilitation.objects.actives().filter(user=user).values_list("niveau", "code"))


def peut_accorder(user, niveau, code=""):
    """Whether `user` may grant this role: an administrateur any; the nation a région or a département; a
    région the départements in it. A network's role is the administrateur's to grant."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    tenues = _tenues(user)
    if niveau in (NIVEAU.REGION, NIVEAU.DEPARTEMENT) and any(n == NIVEAU.NATION for n, _ in tenues):
        return True
    if niveau == NIVEAU.DEPARTEMENT:
        return any(n == NIVEAU.REGION and c == territoires.region_de(code) for n, c in tenues)
    return False


def gerees_par(user):
    """The roles `user` sees and revokes on the roles' page: those they may grant."""
    qs = Habilitation.objects.select_related("partenaire", "user").order_by("niveau", "code", "email", "pk")
    if user.is_superuser:
        return qs
    tenues = _tenues(user)
    if any(n == NIVEAU.NATION for n, _ in tenues):
        return qs.filter(niveau__in=[NIVEAU.REGION, NIVEAU.DEPARTEMENT])
    regions = {c for n, c in tenues if n == NIVEAU.REGION}
    departements = [d for d, (_, r) in territoires.DEPARTEMENTS.items() if r in regions]
    return qs.filter(niveau=NIVEAU.DEPARTEMENT, code__in=departements)


def peut_gerer(user):
    return user.is_authenticated and (
        user.is_superuser or any(n in (NIVEAU.NATION, NIVEAU.REGION) for n, _ in _tenues(user))
    )


def _lien(habilitation):
    jeton = signing.TimestampSigner(salt=SEL).sign_object({"i": habilitation.pk, "j": habilitation.jeton})
    return reverse("consolidation:role_lien", args=[jeton])


def _nom(par):
    return par.get_full_name() or par.get_username()


@transaction.atomic
def inviter(par, email, niveau, code="", partenaire=None, service=""):
    """A pending role, and the mail with its link; Refus if `par` may not grant it."""
    if not peut_accorder(par, niveau, code):
        raise Refus("Vous ne pouvez pas accorder ce rôle : il dépasse le vôtre.")
    habilitation = Habilitation(
        email=email.strip().lower(),
        niveau=niveau,
        code=code if niveau in (NIVEAU.DEPARTEMENT, NIVEAU.REGION) else "",
        partenaire=partenaire if niveau == NIVEAU.RESEAU else None,
        service=service,
        jeton=secrets.token_urlsafe(24),
        envoyee_le=timezone.now(),
        user=compte_de(email),
    )
    versions.creer(par, habilitation)
    courriels.preparer(
        Habilitation.hors_contrat,
        "habilitation",
        [habilitation.email],
        "courriels/habilitation",
        {"habilitation": habilitation, "lien": _lien(habilitation), "par": _nom(par), "jours": VALIDITE.days},
    )
    return habilitation


@transaction.atomic
def revoquer(par, habilitation):
    habilitation = Habilitation.objects.select_for_update().get(pk=habilitation.pk)
    if not habilitation.revoquee:
        habilitation.revoquee = True
        versions.modifier(par, habilitation, habilitation.version)


def lire(jeton):
    """The pending role a link opens; Refus otherwise."""
    signataire = signing.TimestampSigner(salt=SEL)
    try:
        donnees = signataire.unsign_object(jeton, max_age=VALIDITE)
    except signing.SignatureExpired:
        raise Refus(
            f"Ce lien a expiré (il vaut {VALIDITE.days} jours) : demandez une nouvelle invitation à qui vous "
            "l'a envoyée."
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise Refus(
            "Ce lien n'est pas valide : il a été modifié ou mal copié. Copiez le lien entier du courriel."
        ) from None
    habilitation = Habilitation.objects.select_related("partenaire").filter(pk=donnees.get("i")).first()
    if habilitation is None or habilitation.revoquee or donnees.get("j") != habilitation.jeton:
        raise Refus("Cette invitation a été annulée. Demandez-en une nouvelle à qui vous l'a envoyée.")
    if habilitation.acceptee_le is not None:
        raise Refus("Cette invitation a déjà servi : connectez-vous avec votre adresse électronique.")
    return habilitation


@transaction.atomic
def accepter(user, habilitation):
    """The account of the invited address takes the role."""
    try:
        return prendre(user, habilitation, "Cette invitation n'est plus en attente (déjà acceptée, ou annulée).")
    except PasPourVous as refus:
        raise Refus(str(refus)) from None


@transaction.atomic
def creer_le_compte(habilitation, nom, mot_de_passe):
    """An invited address with no account: its account, with the role."""
    try:
        compte = nouveau_compte(habilitation.email, nom, mot_de_passe)
    except PasPourVous as refus:
        raise Refus(str(refus)) from None
    accepter(compte, habilitation)
    return compte
