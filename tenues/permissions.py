"""Who says whether a commitment that is not an amount was kept (contrat/permissions.py for the roles)."""

from contrat.permissions import partenaires_agent, peut_piloter


def tenues_renseignables(user, contrat):
    """Who says whether a commitment that is not an amount was kept, as a test on its partner: the
    partner's agents (or an administrator); for the parties' common commitments (no partner), the
    chef de projet. Two queries, whatever the number of commitments tested."""
    pilote = peut_piloter(user, contrat)
    mes_partenaires = partenaires_agent(user, contrat)

    def peut(partenaire):
        if partenaire is None:
            return pilote
        return user.is_authenticated and user.is_active and (user.is_superuser or partenaire.pk in mes_partenaires)

    return peut
