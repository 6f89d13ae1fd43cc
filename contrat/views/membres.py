"""The people of a contract: invited by e-mail with a role, reminded, revoked; and the invitee's side."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from noyau.enregistrement import action, repondre
from noyau.issues import tenter

from .. import invitations
from ..forms import AcceptationForm, InvitationForm
from ..models import Invitation, Membre
from ..securite import adresse_du_client
from .communs import pilote


def membres(request, slug):
    """Only the people who hold or held a role in this contract, its invitations and the administrators:
    an organisation's people in other contracts are not this contract's to see."""
    contrat = pilote(request, slug)
    form = InvitationForm(request.POST or None, contrat=contrat)
    if request.method == "POST" and form.is_valid():
        donnees = form.cleaned_data
        ici = reverse("contrat:membres", args=[contrat.slug])

        def dit(invitation):
            if invitation.user_id:
                return (
                    f"{invitation.email} a déjà un compte : le rôle lui est proposé, il "
                    "l'accepte depuis le courriel ou sa page d'accueil (lien valable 7 jours)."
                )
            return f"Invitation envoyée à {invitation.email} (lien valable 7 jours)."

        # The same invitation sent meanwhile (another tab, a colleague): the refusal above the form.
        issue = tenter(
            lambda: invitations.inviter(request.user, contrat, donnees["email"], donnees["role"], donnees["partenaire"])
        )
        reponse = repondre(request, issue, message=dit, suite=ici, retour=ici, form=form)
        if reponse is not None:
            return reponse
    ctx = {
        "contrat": contrat,
        "form": form,
        "membres": Membre.objects.filter(contrat=contrat)
        .select_related("user", "partenaire")
        .order_by("-actif", "user__email"),
        "administrateurs": get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("username"),
        "invitations": contrat.invitations.filter(acceptee_le__isnull=True).select_related("partenaire"),
    }
    return render(request, "contrat/membres.html", ctx, status=400 if form.errors else 200)


@require_POST
def invitation_renvoyer(request, slug, pk):
    contrat = pilote(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, contrat=contrat)

    def renvoyer():
        if not invitation.en_attente:
            messages.error(request, "Cette invitation n'est plus en attente : rien n'est renvoyé.")
            return None
        try:
            invitations.renvoyer(request.user, invitation)
        except invitations.TropDEnvois as refus:
            messages.error(request, str(refus))
            return None
        return f"Nouveau lien envoyé à {invitation.email} ; le précédent ne fonctionne plus."

    # A double click sends one link, not two.
    return action(
        request,
        invitation,
        renvoyer,
        perimee=f"L'invitation de {invitation.email} a changé depuis que la page a été affichée (un lien vient sans "
        "doute de partir) : rien n'est renvoyé.",
        retour=reverse("contrat:membres", args=[contrat.slug]),
    )


@require_POST
def invitation_revoquer(request, slug, pk):
    contrat = pilote(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, contrat=contrat)

    def annuler():
        if not invitation.en_attente:
            return None  # the page showed it pending at this version: it cannot be otherwise
        invitations.revoquer(request.user, invitation=invitation)
        return f"L'invitation de {invitation.email} est annulée : son lien ne fonctionne plus."

    # Accepted, declined or sent again since the page was shown: nothing is done, the page says so.
    return action(
        request,
        invitation,
        annuler,
        perimee=f"L'invitation de {invitation.email} a changé depuis que la page a été affichée (acceptée, "
        "refusée, annulée ou renvoyée) : rien n'a été fait.",
        retour=reverse("contrat:membres", args=[contrat.slug]),
    )


@require_POST
def membre_revoquer(request, slug, pk):
    contrat = pilote(request, slug)
    membre = get_object_or_404(Membre.objects.select_related("user"), pk=pk, contrat=contrat)
    retour = reverse("contrat:membres", args=[contrat.slug])
    if membre.user_id == request.user.pk and membre.role == Membre.Role.CHEF_DE_PROJET:
        messages.error(request, "Vous ne pouvez pas retirer votre propre rôle de chef de projet.")
        return redirect(retour)
    qui = membre.user.email or membre.user.username

    def retirer():
        if not membre.actif:
            return None
        invitations.revoquer(request.user, membre=membre)
        return f"{qui} n'a plus accès au contrat à ce titre, dès sa prochaine page."

    # A double click, a second tab or a colleague's revoke: the second answers 409 and changes nothing.
    return action(
        request,
        membre,
        retirer,
        perimee=f"Le rôle de {qui} a changé depuis que la page a été affichée (déjà révoqué, ou rendu) : "
        "rien n'a été fait.",
        retour=retour,
    )


@login_not_required
def invitation(request, jeton):
    """The invitee's page: its account (name and password), then its home page."""
    try:
        objet = invitations.lire(jeton)
    except invitations.LienRefuse as refus:
        return render(request, "contrat/invitation_refusee.html", {"refus": refus, "jeton": jeton}, status=410)
    compte = invitations.compte_de(objet.email)
    if compte is not None:
        return _role_propose(request, objet, compte)
    form = AcceptationForm(request.POST or None, email=objet.email)
    if request.method == "POST" and form.is_valid():
        try:
            compte = invitations.accepter(objet, form.cleaned_data["nom"], form.cleaned_data["mot_de_passe"])
        except invitations.PasPourVous as refus:  # an account of that address was made meanwhile
            messages.info(request, str(refus))
            return redirect_to_login(request.get_full_path())
        login(request, compte, backend="contrat.authentification.Comptes")
        messages.success(request, f"Bienvenue : votre compte est créé. Vous vous connecterez avec {compte.email}.")
        return redirect("accueil")
    return render(
        request, "contrat/invitation.html", {"invitation": objet, "form": form}, status=400 if form.errors else 200
    )


@login_not_required
@require_POST
def invitation_nouveau_lien(request, jeton):
    """An expired (or superseded) genuine link: a new one to the same address, never to another."""
    try:
        invitations.lire(jeton)
    except invitations.LienRefuse as refus:
        objet = refus.invitation
        if objet is not None and objet.en_attente:
            try:
                invitations.renvoyer(None, objet, client=adresse_du_client(request))
            except invitations.TropDEnvois as trop:
                return render(
                    request,
                    "contrat/invitation_refusee.html",
                    {"refus": trop, "jeton": jeton, "sans_nouveau_lien": True},
                    status=429,
                )
            return render(request, "contrat/invitation_refusee.html", {"renvoyee": objet}, status=200)
        return render(request, "contrat/invitation_refusee.html", {"refus": refus, "jeton": jeton}, status=410)
    return redirect("contrat:invitation", jeton)


def _role_propose(request, objet, compte):
    """An invitation to an account that exists: accepted (or declined) by that account, signed in."""
    if request.user != compte:
        if request.user.is_authenticated:
            return render(
                request,
                "contrat/invitation_refusee.html",
                {
                    "refus": invitations.LienRefuse(
                        "Cette invitation est destinée à un autre compte que le vôtre. Déconnectez-vous, puis "
                        "connectez-vous "
                        "avec le compte de l'adresse invitée."
                    )
                },
                status=403,
            )
        messages.info(request, "Vous avez déjà un compte : connectez-vous, puis acceptez l'invitation.")
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        return _repondre(request, objet)
    return render(request, "contrat/invitation_role.html", {"invitation": objet})


def _repondre(request, objet):
    try:
        if request.POST.get("reponse") == "decliner":
            invitations.decliner(request.user, objet)
            messages.info(request, f"Vous avez refusé le rôle proposé dans « {objet.contrat.nom} ».")
        else:
            invitations.accepter_role(request.user, objet)
            messages.success(
                request,
                f"Vous êtes désormais {objet.get_role_display().lower()} — {objet.partenaire.nom} "
                f"dans « {objet.contrat.nom} ».",
            )
    except invitations.PasPourVous as refus:
        messages.error(request, str(refus))
    return redirect("accueil")


@require_POST
def invitation_repondre(request, pk):
    """The home page's buttons: the signed-in account accepts or declines an invitation sent to its address."""
    objet = get_object_or_404(invitations.en_attente_pour(request.user), pk=pk)
    return _repondre(request, objet)
