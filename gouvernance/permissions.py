"""Who keeps a contract's governance, and who follows each decision (contrat/permissions.py for the roles)."""

from contrat.permissions import partenaires_agent, peut_piloter


def peut_gerer_gouvernance(user, contrat):
    """Instances, meetings, attendance and decisions of a contract: its chef de projet."""
    return peut_piloter(user, contrat)


def decisions_suivables(user, seance):
    """Pks of the meeting's decisions whose status the user may change: the agents of the
    partner each is assigned to, and the chef de projet."""
    decisions = seance.decisions.all()
    if peut_gerer_gouvernance(user, seance.instance.contrat):
        return {d.pk for d in decisions}
    mes_partenaires = partenaires_agent(user, seance.instance.contrat_id)
    return {d.pk for d in decisions if d.partenaire_id in mes_partenaires}


def peut_suivre_decision(user, decision):
    return decision.pk in decisions_suivables(user, decision.seance)
