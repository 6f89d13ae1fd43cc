"""Who is asking, for the login throttling (django-axes)."""

import os


def adresse_du_client(request):
    """The client's address: REMOTE_ADDR, or behind our own reverse proxy (DERRIERE_PROXY=1)
    the address that proxy appended last to X-Forwarded-For — earlier entries are the
    client's to write, so they cannot be trusted for a lockout."""
    if os.environ.get("DERRIERE_PROXY") == "1":
        transmises = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if transmises:
            return transmises[-1]
    return request.META.get("REMOTE_ADDR", "")


def compte_vise(request, credentials=None):
    """The account a sign-in attempt aims at, whatever the spelling typed: failures are counted per account,
    so `Agent.Caf@Example.org`, its address and its username share one counter. An identifier that names no
    account is counted in lower case, so its spellings share one too."""
    from django.contrib.auth import get_user_model

    donnees = credentials if credentials is not None else getattr(request, "POST", {})
    saisi = " ".join(str(donnees.get("username") or "").split())
    if not saisi:
        return saisi
    comptes = get_user_model().objects
    if comptes.filter(username=saisi).exists():
        return saisi
    if "@" in saisi:
        par_courriel = list(comptes.filter(email__iexact=saisi).values_list("username", flat=True)[:2])
        if len(par_courriel) == 1:
            return par_courriel[0]
    return saisi.lower()
