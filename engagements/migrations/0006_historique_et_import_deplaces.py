# The history went to `noyau`, the uploaded workbooks to `importation`: their tables stay, only
# the models leave this app.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0005_export"),
        ("noyau", "0001_initial"),
        ("importation", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Historique"), migrations.DeleteModel(name="ImportAnnexe")],
            database_operations=[],
        ),
    ]
