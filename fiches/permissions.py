"""What each one may change in a fiche: the same rules as the dispositifs' (contrat/permissions.py)."""

from contrat.permissions import partenaires_agent, peut_piloter


def peut_modifier_fiche(user, fiche):
    """The whole fiche: the contract's chef de projet, or an administrator."""
    return peut_piloter(user, fiche.contrat)


def engagements_modifiables(user, fiche):
    """Pks of the fiche's engagements the user may change: its partner's agents, and whoever
    may change the whole fiche (one page, two queries at most)."""
    engagements = fiche.engagements.all()
    if peut_modifier_fiche(user, fiche):
        return {e.pk for e in engagements}
    mes_partenaires = partenaires_agent(user, fiche.contrat_id)
    return {e.pk for e in engagements if e.partenaire_id in mes_partenaires}


def peut_modifier_engagement(user, engagement):
    return engagement.pk in engagements_modifiables(user, engagement.fiche)


def peut_mesurer(user, fiche):
    """Indicator values: agents of a partner that carries the fiche, and whoever may change the whole fiche."""
    if peut_modifier_fiche(user, fiche):
        return True
    porteurs = {i.partenaire_id for i in fiche.intervenants.all() if i.role == "porteur" and i.partenaire_id}
    return bool(porteurs & partenaires_agent(user, fiche.contrat_id))
