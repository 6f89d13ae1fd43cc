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
