"""The demo accounts: one per role, as `make demo` creates them and the tests use them."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import permissions
from .models import Contrat, Habilitation, Membre, Partenaire

# (identifiant, nom affiché, organisation, rôle, contrat piloté — none: each contract of the organisation)
COMPTES = [
    ("agent.caf", "Agent de la CAF de la Côte-d'Or", "caf-21", Membre.Role.AGENT, None),
    ("agent.pole-emploi", "Agent de Pôle emploi", "pole-emploi", Membre.Role.AGENT, None),
    (
        "chef.projet",
        "Chef de projet politique de la ville",
        "dijon-metropole",
        Membre.Role.CHEF_DE_PROJET,
        "grand-dijon",
    ),
    ("lecteur", "Lecteur (élu, conseil citoyen)", "dijon-metropole", Membre.Role.LECTEUR, None),
]

# Roles across contracts, read only (/consolidation/): (identifiant, nom affiché, portée, code, organisation).
HABILITATIONS = [
    ("ddets.21", "DDETS de la Côte-d'Or", Habilitation.Niveau.DEPARTEMENT, "21", None),
    ("reseau.caf", "Direction de la CAF de la Côte-d'Or", Habilitation.Niveau.RESEAU, "", "caf-21"),
]


@transaction.atomic
def creer_comptes(mot_de_passe):
    """Creates or resets the demo accounts (and `admin`); returns them by identifiant."""
    User = get_user_model()
    comptes = {}
    admin, _ = User.objects.get_or_create(username="admin")
    admin.is_staff = admin.is_superuser = True
    admin.set_password(mot_de_passe)
    admin.save()
    comptes["admin"] = admin
    for identifiant, nom, partenaire, role, contrat in COMPTES:
        user, _ = User.objects.get_or_create(username=identifiant)
        user.first_name = nom
        user.email = f"{identifiant}@example.org"  # a domain reserved for examples: no real inbox
        user.set_password(mot_de_passe)
        user.save()
        organisation = Partenaire.objects.get(slug=partenaire)
        if contrat:
            pour = [Contrat.objects.get(slug=contrat)]
        else:  # one of the organisation's people, with its role in each contract the organisation takes part in
            Membre.objects.get_or_create(user=user, partenaire=organisation, role=role, contrat=None)
            pour = permissions.contrats_de_l_organisation([organisation.pk], Contrat.objects.all())
        for c in pour:
            Membre.objects.get_or_create(user=user, partenaire=organisation, role=role, contrat=c)
        comptes[identifiant] = user
    for identifiant, nom, niveau, code, partenaire in HABILITATIONS:
        user, _ = User.objects.get_or_create(username=identifiant)
        user.first_name, user.email = nom, f"{identifiant}@example.org"
        user.set_password(mot_de_passe)
        user.save()
        organisation = Partenaire.objects.get(slug=partenaire) if partenaire else None
        Habilitation.objects.get_or_create(
            email=user.email,
            niveau=niveau,
            code=code,
            partenaire=organisation,
            revoquee=False,
            defaults={"user": user, "service": nom, "acceptee_le": timezone.now(), "envoyee_le": timezone.now()},
        )
        comptes[identifiant] = user
    return comptes
