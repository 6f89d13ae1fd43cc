# The history table was created by engagements (0002); it becomes this app's model, data untouched.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("engagements", "0005_export"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Historique",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("objet", models.CharField(max_length=20, verbose_name="objet")),
                        ("objet_id", models.PositiveBigIntegerField(verbose_name="identifiant de l'objet")),
                        ("contrat_id", models.PositiveBigIntegerField(db_index=True, verbose_name="contrat")),
                        (
                            "dispositif_id",
                            models.PositiveBigIntegerField(
                                blank=True, db_index=True, null=True, verbose_name="dispositif"
                            ),
                        ),
                        (
                            "fiche_id",
                            models.PositiveBigIntegerField(blank=True, db_index=True, null=True, verbose_name="fiche"),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("creation", "Création"),
                                    ("modification", "Modification"),
                                    ("suppression", "Suppression"),
                                ],
                                max_length=20,
                                verbose_name="action",
                            ),
                        ),
                        ("user_nom", models.CharField(max_length=200, verbose_name="par (nom au moment de l'action)")),
                        ("date", models.DateTimeField(db_index=True, verbose_name="le")),
                        ("avant", models.JSONField(blank=True, null=True, verbose_name="avant")),
                        ("apres", models.JSONField(blank=True, null=True, verbose_name="après")),
                        (
                            "user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="par",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "entrée d'historique",
                        "verbose_name_plural": "historique",
                        "ordering": ["-date", "-pk"],
                        "db_table": "engagements_historique",
                        "indexes": [models.Index(fields=["objet", "objet_id", "date"], name="historique_objet_date")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
