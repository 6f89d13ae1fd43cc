"""Sign-in by e-mail address as well as by username (the invited sign in with their address), and the
request of a new password."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django_tasks import task

from noyau import quotas

from .securite import adresse_du_client


class Comptes(ModelBackend):
    """Django's, and the account read with whether it holds a role across contracts (`Habilitation`): in the
    same query, so that the permissions of nearly everyone (who holds none) stay free of the territorial
    subqueries (`permissions.contrats_visibles`)."""

    def get_user(self, user_id):
        from django.db.models import Exists, OuterRef

        from .models import Habilitation

        roles = Habilitation.objects.actives().filter(user=OuterRef("pk"))
        user = (
            get_user_model()
            ._default_manager.annotate(roles_sur_plusieurs_contrats=Exists(roles))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None


class ParCourriel(Comptes):
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


class DemandeDeReinitialisation(PasswordResetForm):
    """« Mot de passe oublié » answers the same for any address, known or not, in the same time: the request
    only counts itself towards the hour's bound and queues the work; the account is looked up and the mail
    written by the task, after the response (by the worker in production)."""

    def save(self, domain_override=None, use_https=False, request=None, **options):
        email = " ".join(self.cleaned_data["email"].split())
        bornes = [
            ("mot_de_passe", email, settings.ENVOIS_PAR_ADRESSE_ET_HEURE),
            ("mot_de_passe_client", adresse_du_client(request), settings.ENVOIS_PAR_CLIENT_ET_HEURE),
        ]
        if not quotas.accorder_tous(bornes):
            return  # a bound is reached: nothing more is stored or sent, and nothing tells it
        domaine = domain_override or get_current_site(request).domain
        transaction.on_commit(lambda: envoyer_reinitialisation.enqueue(email, domaine, use_https))


@task()
def envoyer_reinitialisation(email, domaine, https):
    """The mail of Django's own reset form (its link, its templates), to the accounts of that address."""
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(domain_override=domaine, use_https=https)
