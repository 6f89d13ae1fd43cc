"""Reference rows several contracts share (a quartier, a QPV of the official list): they change only through the
administration or the official list's load, and each change is written in the history of every contract whose
perimeter holds them — none sees its perimeter change without a trace."""

from django.utils import timezone

from noyau.models import Historique

from .models import PerimetreQuartier


def noter(liens, avant, apres, *, user=None, source, detail):
    """One history entry per contract link in `liens` (PerimetreQuartier rows): what the shared row was, and is."""
    nom = (user.get_full_name() or user.username) if user is not None else "Chargement de la liste officielle"
    Historique.objects.bulk_create(
        [
            Historique(
                objet="perimetre",
                objet_id=lien.pk,
                contrat_id=lien.contrat_id,
                dossier=f"contrat:{lien.contrat_id}",
                action=Historique.Action.MODIFICATION,
                source=source,
                detail=detail,
                user=user,
                user_nom=nom,
                date=timezone.now(),
                avant=avant,
                apres=apres,
            )
            for lien in liens
        ]
    )


def liens_du_quartier(quartier):
    return PerimetreQuartier.objects.filter(quartier=quartier)


def liens_du_qpv(qpv):
    """The links that show this QPV: as their own successor, or through their quartier's."""
    from django.db.models import Q

    return PerimetreQuartier.objects.filter(Q(qpv=qpv) | Q(quartier__qpv=qpv))
