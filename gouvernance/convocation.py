"""Who a séance convenes: the members of its body, a group (« les signataires ») replaced by its people."""

from django.db.models import Q

from contrat.models import Membre as Role
from contrat.models import Partenaire, Signataire
from engagements.models import Dispositif, Estimation

from .models import Membre, Presence


def signataires(contrat):
    """One signature per organisation, from the latest signed document first."""
    vus, resultat = set(), []
    for s in (
        Signataire.objects.filter(document__contrat=contrat)
        .select_related("partenaire")
        .order_by("-document__annee_debut", "-document__date_signature", "ordre", "pk")
    ):
        if s.partenaire_id not in vus:
            vus.add(s.partenaire_id)
            resultat.append(s)
    return resultat


def financeurs(contrat):
    """The organisations that finance a dispositif of the contract or estimate an amount for one."""
    return Partenaire.objects.filter(
        Q(pk__in=Estimation.objects.filter(contrat=contrat).values("partenaire"))
        | Q(pk__in=Dispositif.objects.filter(contrat=contrat, archive=False).values("partenaire"))
    ).order_by("nom")


def _du_groupe(membre, contrat):
    if membre.groupe == Membre.Groupe.SIGNATAIRES:
        return [(s.qualite or s.representant or s.partenaire.nom, s.partenaire) for s in signataires(contrat)]
    if membre.groupe == Membre.Groupe.FINANCEURS:
        return [(p.nom, p) for p in financeurs(contrat)]
    agents = (
        # The organisation's agents in this contract only: its people elsewhere are not this contract's to name.
        Role.objects.filter(
            partenaire=membre.partenaire_id, role=Role.Role.AGENT, actif=True, user__is_active=True, contrat=contrat
        )
        .select_related("user", "partenaire")
        .order_by("user__last_name", "user__username")
    )
    return [(a.user.get_full_name() or a.user.username, a.partenaire) for a in agents]


def convoques(seance):
    """The unsaved attendance rows of a new séance: each member of its body, each group expanded,
    each name with its organisation (five « le Maire » are five mayors), nobody twice. An organisation a
    group brings (the signataires, the financeurs) is convened once: not again when the body names it
    already (« le Préfet — État ») or another group brought it (the CAF signs and finances)."""
    instance = seance.instance
    membres = list(instance.membres.select_related("partenaire"))
    # Organisations the body names itself: a group does not bring them a second time.
    nommes = {m.partenaire_id for m in membres if not m.groupe and m.partenaire_id}
    vus, par_groupe, resultat = set(), set(), []
    for membre in membres:
        if membre.groupe:
            personnes = _du_groupe(membre, instance.contrat)
        else:
            personnes = [(membre.fonction or membre.partenaire.nom, membre.partenaire)]
        for nom, partenaire in personnes:
            cle = (nom, partenaire.pk if partenaire else None)
            if cle in vus:
                continue
            if membre.groupe and membre.groupe != membre.Groupe.AGENTS and partenaire is not None:
                if partenaire.pk in nommes or partenaire.pk in par_groupe:
                    continue
                par_groupe.add(partenaire.pk)
            vus.add(cle)
            resultat.append(Presence(seance=seance, membre=membre, nom=nom[:300], partenaire=partenaire))
    return resultat
