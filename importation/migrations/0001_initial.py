# The table of uploaded workbooks was created by engagements (0004); it becomes this app's model.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contrat", "0002_membre"),
        ("engagements", "0005_export"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportAnnexe",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("fichier", models.FileField(upload_to="imports/%Y/%m/", verbose_name="classeur")),
                        ("nom_fichier", models.CharField(max_length=255, verbose_name="nom du fichier")),
                        ("empreinte", models.CharField(max_length=64, verbose_name="empreinte de l'aperçu")),
                        ("cree_le", models.DateTimeField(auto_now_add=True, verbose_name="déposé le")),
                        ("applique_le", models.DateTimeField(blank=True, null=True, verbose_name="importé le")),
                        ("resume", models.TextField(blank=True, verbose_name="rapport")),
                        (
                            "contrat",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="imports",
                                to="contrat.contrat",
                                verbose_name="contrat",
                            ),
                        ),
                        (
                            "cree_par",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="déposé par",
                            ),
                        ),
                        (
                            "partenaire",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="imports",
                                to="contrat.partenaire",
                                verbose_name="partenaire",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "import d'annexe financière",
                        "verbose_name_plural": "imports d'annexes financières",
                        "ordering": ["-cree_le"],
                        "db_table": "engagements_importannexe",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
