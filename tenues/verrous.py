"""The rules of a yearly follow-up, on every route (the page, the admin is read only, any command)."""

from django.utils import timezone


def validee(tenue):
    """A validated follow-up is kept as validated: the chef de projet reopens it to have it corrected."""
    if tenue.etat == "valide":
        return (
            f"Le suivi {tenue.annee} de cet engagement est validé : il ne peut plus être modifié. Pour le corriger, "
            "le chef de projet le rouvre d'abord (bouton « Rouvrir »)."
        )
    return None


def annee_non_achevee(tenue, aujourd_hui=None):
    """Whether a commitment was kept is said once its year is over, within the contract's years."""
    jour = aujourd_hui or timezone.localdate()
    if tenue.annee >= jour.year:
        return (
            f"L'année {tenue.annee} n'est pas achevée : on dit si ses engagements ont été tenus "
            f"à partir de {tenue.annee + 1}."
        )
    contrat = tenue.contrat
    if not contrat.annee_debut <= tenue.annee <= contrat.annee_fin_effective:
        return f"L'année {tenue.annee} est hors de la période du contrat ({contrat.periode})."
    return None
