"""The dispositif's contract kept on each line, and the index of one contract's lines of a year."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contrat", "0001_initial"),
        ("engagements", "0012_export_donnees_ouvertes"),
    ]

    operations = [
        migrations.AddField(
            model_name="estimation",
            name="contrat",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contrat.contrat",
                verbose_name="contrat",
            ),
        ),
        # One statement, the same for SQLite and PostgreSQL: every line takes its dispositif's contract.
        migrations.RunSQL(
            "UPDATE engagements_estimation SET contrat_id = (SELECT d.contrat_id FROM engagements_dispositif d "
            "WHERE d.id = engagements_estimation.dispositif_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="estimation",
            name="contrat",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contrat.contrat",
                verbose_name="contrat",
            ),
        ),
        migrations.AddIndex(
            model_name="estimation",
            index=models.Index(fields=["contrat", "annee", "partenaire"], name="estimation_contrat_annee"),
        ),
    ]
