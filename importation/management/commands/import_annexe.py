from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contrat.models import Contrat, Partenaire
from importation.annexe import ImportPerime, analyser, appliquer


class Command(BaseCommand):
    help = (
        "Importe une annexe financière depuis un classeur .xlsx. Sans --commit, n'écrit rien et affiche "
        "le rapport de ce que l'import ferait."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="classeur .xlsx de l'annexe")
        parser.add_argument("--contrat", required=True, help="identifiant du contrat (ex. grand-dijon)")
        parser.add_argument("--partenaire", required=True, help="identifiant du partenaire (ex. caf-21)")
        parser.add_argument("--commit", action="store_true", help="écrit réellement (sinon : essai à blanc)")

    def handle(self, *args, fichier, contrat, partenaire, commit, **options):
        contrat_obj = Contrat.objects.filter(slug=contrat).first()
        if contrat_obj is None:
            raise CommandError(f"Contrat inconnu : « {contrat} ».")
        partenaire_obj = Partenaire.objects.filter(slug=partenaire).first()
        if partenaire_obj is None:
            raise CommandError(f"Partenaire inconnu : « {partenaire} ».")
        chemin = Path(fichier)
        if not chemin.is_file():
            raise CommandError(f"Fichier introuvable : « {fichier} ».")
        rapport = analyser(chemin.read_bytes(), contrat_obj, partenaire_obj, nom_fichier=chemin.name)
        self.stdout.write(rapport.texte())
        if not rapport.accepte:
            raise CommandError("Import refusé : rien n'a été écrit.")
        if not commit:
            self.stdout.write("\nEssai à blanc : rien n'a été écrit. Relancez avec --commit pour importer.")
            return
        try:
            appliquer(rapport)
        except ImportPerime as e:
            raise CommandError(str(e)) from None
        self.stdout.write(self.style.SUCCESS("\nImport enregistré."))
