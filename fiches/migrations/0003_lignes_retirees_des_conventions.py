"""Rows the corrected transcriptions no longer have (issue 19). Reloading the fixtures adds and updates
rows by natural key but never deletes: a database loaded before the correction would keep them. Each
is matched by its own text, so that nothing else is touched; on a new database this finds nothing."""

from django.db import migrations

ENGAGEMENTS = [  # convention CAF 2016-2017: what the text does not commit to, or says otherwise
    ("2.1", "Porter le dispositif dédié d'accompagnement au relogement"),
    ("2.4", "Dans le cadre d'une part, de son dispositif d'aides aux travaux"),
]
DISPOSITIFS = [  # Seine-Amont: sub-headings that were stored as dispositifs
    ("fiche-1-2", "De manière spécifique, la Direccte :"),
    ("fiche-1-2", "Autres dispositifs de l'Etat :"),
    ("fiche-6-1", "La Caisse des dépôts et consignations peut"),
]


def retirer(apps, schema_editor):
    EngagementReciproque = apps.get_model("engagements", "EngagementReciproque")
    DispositifMobilise = apps.get_model("fiches", "DispositifMobilise")
    for numero, debut in ENGAGEMENTS:
        # The 2.4 row of the Grand Dijon is kept at rank 1; only the stale copy at rank 2 goes.
        EngagementReciproque.objects.filter(
            article__document__contrat__slug="grand-dijon",
            article__document__slug="convention-caf-2016-2017",
            article__numero=numero,
            ordre=2,
            points__startswith=debut,
        ).delete()
    for fiche, texte in DISPOSITIFS:
        DispositifMobilise.objects.filter(fiche__contrat__slug="seine-amont", fiche__slug=fiche, texte=texte).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fiches", "0002_reserves_et_partenaires_associes"),
        ("engagements", "0009_titre_annexe"),
    ]

    operations = [migrations.RunPython(retirer, migrations.RunPython.noop)]
