"""What the benches compute of their series of times."""


def percentile(valeurs, p):
    """The p-th percentile, linear between the two nearest ranks."""
    valeurs = sorted(valeurs)
    rang = (len(valeurs) - 1) * p / 100
    bas = int(rang)
    haut = min(bas + 1, len(valeurs) - 1)
    return valeurs[bas] + (valeurs[haut] - valeurs[bas]) * (rang - bas)
