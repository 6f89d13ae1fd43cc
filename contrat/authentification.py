"""Sign-in by e-mail address as well as by username (the invited sign in with their address)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ParCourriel(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or "@" not in username:
            return None
        comptes = list(get_user_model().objects.filter(email__iexact=username.strip())[:2])
        if len(comptes) != 1:  # unknown, or an address two accounts share: by username only
            get_user_model()().set_password(password)  # the same time as a real check
            return None
        user = comptes[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
