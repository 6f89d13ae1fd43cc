"""Roles are held per contract: a membership of an organisation without a contract no longer opens every
contract of that organisation. So that nobody loses what they had, each such membership is given, once, a
role in each contract its organisation takes part in today (the way in of the earlier rule, and the
contracts where the organisation is porteur or partner). A role revoked in a contract stays revoked."""

from django.db import migrations
from django.db.models import Q


def par_contrat(apps, schema_editor):
    Membre = apps.get_model("contrat", "Membre")
    Contrat = apps.get_model("contrat", "Contrat")
    chemins = [
        "porteur",
        "partenaires",
        "documents__signataires__partenaire",
        "dispositifs__partenaire",
        "dispositifs__estimations__partenaire",
        "fiches__intervenants__partenaire",
        "fiches__engagements__partenaire",
    ]
    deja = set(
        Membre.objects.filter(contrat__isnull=False).values_list("user_id", "partenaire_id", "role", "contrat_id")
    )
    nouveaux = []
    for membre in Membre.objects.filter(contrat__isnull=True, actif=True):
        acces = Q(pk__in=[])
        for chemin in chemins:
            acces |= Q(pk__in=Contrat.objects.filter(**{chemin: membre.partenaire_id}).values("pk"))
        for contrat_id in Contrat.objects.filter(acces).values_list("pk", flat=True):
            cle = (membre.user_id, membre.partenaire_id, membre.role, contrat_id)
            if cle not in deja:
                deja.add(cle)
                nouveaux.append(
                    Membre(
                        user_id=membre.user_id,
                        partenaire_id=membre.partenaire_id,
                        role=membre.role,
                        contrat_id=contrat_id,
                    )
                )
    Membre.objects.bulk_create(nouveaux)


class Migration(migrations.Migration):
    dependencies = [
        ("contrat", "0013_invitation_une_seule_en_attente"),
        ("engagements", "0011_mesure_des_engagements"),
        ("fiches", "0004_mesure_des_engagements"),
    ]

    operations = [migrations.RunPython(par_contrat, migrations.RunPython.noop)]
