"""The roles across contracts: who reads which territory or network, the invitations to them, and the
invitee's link. Written through `contrat.habilitations` (the write service): nothing here writes a row."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from contrat import habilitations, territoires
from contrat.forms import AcceptationForm
from contrat.invitations import compte_de
from contrat.models import Habilitation, Partenaire
from noyau.formulaires import DsfrFormMixin
from noyau.pagination import page as paginer
from noyau.versions import Doublon

NIVEAU = Habilitation.Niveau


class HabilitationForm(DsfrFormMixin, forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        error_messages={"required": "Indiquez l'adresse de la personne.", "invalid": "Cette adresse n'est pas valide."},
    )
    niveau = forms.ChoiceField(label="Rôle")
    code = forms.CharField(
        label="Code du département ou de la région",
        required=False,
        max_length=3,
        help_text="Le code officiel : 21 pour la Côte-d'Or, 27 pour la région Bourgogne-Franche-Comté.",
    )
    partenaire = forms.CharField(
        label="Organisation du réseau",
        required=False,
        help_text="Pour un réseau : l'identifiant de l'organisation (« caf-21 ») ou son SIREN.",
    )
    service = forms.CharField(label="Service", required=False, max_length=200, help_text="« DDETS de la Côte-d'Or ».")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["niveau"].choices = [
            (n, libelle)
            for n, libelle in NIVEAU.choices
            if user.is_superuser or n in (NIVEAU.DEPARTEMENT, NIVEAU.REGION)
        ]
        self.fields["niveau"].error_messages["invalid_choice"] = "Ce rôle n'est pas de ceux que vous accordez."

    def clean(self):
        donnees = super().clean()
        niveau, code = donnees.get("niveau"), (donnees.get("code") or "").strip().upper()
        if niveau == NIVEAU.DEPARTEMENT and code not in territoires.DEPARTEMENTS:
            self.add_error("code", f"« {code} » n'est pas le code d'un département (21, 2A, 974…).")
        elif niveau == NIVEAU.REGION and code not in territoires.REGIONS:
            self.add_error("code", f"« {code} » n'est pas le code d'une région (27, 11, 04…).")
        donnees["code"] = code
        donnees["partenaire"] = None
        if niveau == NIVEAU.RESEAU:
            texte = (self.data.get("partenaire") or "").strip()
            partenaire = Partenaire.objects.filter(slug=texte.lower()).first() or (
                Partenaire.objects.filter(siren=texte.replace(" ", "")).first() if texte else None
            )
            if partenaire is None:
                self.add_error("partenaire", f"Aucune organisation n'a l'identifiant ou le SIREN « {texte} ».")
            donnees["partenaire"] = partenaire
        if niveau and not self.errors and not habilitations.peut_accorder(self.user, niveau, code):
            raise ValidationError("Vous ne pouvez pas accorder ce rôle : il dépasse le vôtre.")
        return donnees


def roles(request):
    if not habilitations.peut_gerer(request.user):
        raise PermissionDenied(
            "Les rôles sur plusieurs contrats s'accordent par un administrateur ou un rôle plus large."
        )
    form = HabilitationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            habilitation = habilitations.inviter(
                request.user, d["email"], d["niveau"], d["code"], d["partenaire"], d["service"]
            )
        except (Doublon, habilitations.Refus) as refus:
            form.add_error(None, str(refus))
        else:
            messages.success(request, f"Invitation envoyée à {habilitation.email} : {habilitation.portee}.")
            return redirect("consolidation:roles")
    liste = paginer(request, habilitations.gerees_par(request.user), 50)
    return render(
        request, "consolidation/roles.html", {"form": form, "roles": liste}, status=400 if form.errors else 200
    )


@require_POST
def role_revoquer(request, pk):
    habilitation = get_object_or_404(habilitations.gerees_par(request.user), pk=pk)
    habilitations.revoquer(request.user, habilitation)
    messages.success(request, f"Rôle retiré : {habilitation.email} — {habilitation.portee}.")
    return redirect("consolidation:roles")


@login_not_required
def role_lien(request, jeton):
    """The invitee's link: the account of the address accepts (signed in), or an address with no account
    creates it here."""
    try:
        habilitation = habilitations.lire(jeton)
    except habilitations.Refus as refus:
        return render(request, "consolidation/role_lien.html", {"refus": str(refus)}, status=410)
    compte = compte_de(habilitation.email)
    if compte is not None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user != compte:
            refus = (
                "Cette invitation est destinée à un autre compte que le vôtre : connectez-vous avec l'adresse invitée."
            )
            return render(request, "consolidation/role_lien.html", {"refus": refus}, status=403)
        if request.method == "POST":
            try:
                habilitations.accepter(request.user, habilitation)
            except habilitations.Refus as refus:  # accepted meanwhile (a second click), or revoked
                return render(request, "consolidation/role_lien.html", {"refus": str(refus)}, status=409)
            messages.success(request, f"Rôle accepté : {habilitation.portee}.")
            return redirect("consolidation:page")
        return render(request, "consolidation/role_lien.html", {"habilitation": habilitation, "form": None})
    form = AcceptationForm(request.POST or None, email=habilitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            compte = habilitations.creer_le_compte(
                habilitation, form.cleaned_data["nom"], form.cleaned_data["mot_de_passe"]
            )
        except habilitations.Refus as refus:  # an account of that address was made meanwhile
            messages.info(request, str(refus))
            return redirect_to_login(request.get_full_path())
        login(request, compte, backend="contrat.authentification.Comptes")
        messages.success(request, f"Bienvenue : votre compte est créé, avec ce rôle : {habilitation.portee}.")
        return redirect("consolidation:page")
    return render(
        request,
        "consolidation/role_lien.html",
        {"habilitation": habilitation, "form": form},
        status=400 if form.errors else 200,
    )
