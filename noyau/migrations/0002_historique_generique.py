# The history names no model of the domain: an entry is filed under the page that shows it
# ("dispositif:12", "fiche:3") and says where the change came from.

from django.db import migrations, models


def dossiers(apps, schema_editor):
    Historique = apps.get_model("noyau", "Historique")
    for entree in Historique.objects.filter(dispositif_id__isnull=False).only("pk", "dispositif_id").iterator():
        Historique.objects.filter(pk=entree.pk).update(dossier=f"dispositif:{entree.dispositif_id}")
    for entree in Historique.objects.filter(fiche_id__isnull=False).only("pk", "fiche_id").iterator():
        Historique.objects.filter(pk=entree.pk).update(dossier=f"fiche:{entree.fiche_id}")


def identifiants(apps, schema_editor):
    Historique = apps.get_model("noyau", "Historique")
    for entree in Historique.objects.exclude(dossier="").only("pk", "dossier").iterator():
        nature, _, pk = entree.dossier.partition(":")
        if nature in ("dispositif", "fiche"):
            Historique.objects.filter(pk=entree.pk).update(**{f"{nature}_id": int(pk)})


class Migration(migrations.Migration):
    dependencies = [
        ("noyau", "0001_initial"),
        ("engagements", "0006_historique_et_import_deplaces"),
    ]

    operations = [
        migrations.AlterModelTable(name="historique", table=None),
        migrations.AlterField(
            model_name="historique", name="objet", field=models.CharField(max_length=30, verbose_name="objet")
        ),
        migrations.AddField(
            model_name="historique",
            name="dossier",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="La page qui montre l'entrée : « dispositif:12 ».",
                max_length=50,
                verbose_name="dossier",
            ),
        ),
        migrations.AddField(
            model_name="historique",
            name="source",
            field=models.CharField(
                choices=[
                    ("formulaire", "Saisie dans l'application"),
                    ("import", "Import d'un classeur"),
                    ("admin", "Administration"),
                    ("commande", "Commande"),
                ],
                default="formulaire",
                max_length=20,
                verbose_name="origine",
            ),
        ),
        migrations.AddField(
            model_name="historique",
            name="detail",
            field=models.CharField(
                blank=True,
                help_text="Le nom du fichier importé, la commande lancée.",
                max_length=255,
                verbose_name="précision de l'origine",
            ),
        ),
        migrations.AddField(
            model_name="historique", name="commentaire", field=models.TextField(blank=True, verbose_name="commentaire")
        ),
        migrations.RunPython(dossiers, identifiants),
        migrations.RemoveField(model_name="historique", name="dispositif_id"),
        migrations.RemoveField(model_name="historique", name="fiche_id"),
    ]
