"""Daily reminders of the open campaigns (README: run it once a day, cron or systemd timer)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from engagements import collectes
from engagements.models import Collecte


class Command(BaseCommand):
    help = (
        "Relance par courriel les partenaires attendus qui n'ont pas soumis leur contribution : 7 jours avant "
        "la date limite, le jour même, puis chaque semaine. Jamais deux fois le même jour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Le jour de la relance (AAAA-MM-JJ), aujourd'hui par défaut.")

    def handle(self, *args, **options):
        jour = timezone.localdate()
        if options["date"]:
            try:
                jour = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"Date invalide : « {options['date']} » (attendu : AAAA-MM-JJ).") from None
        total = 0
        for collecte in Collecte.objects.ouvertes().select_related("contrat").prefetch_related("partenaires"):
            if not collectes.jour_de_relance(collecte, jour):
                continue
            cibles = collectes.a_relancer(collecte, collectes.suivi(collecte.contrat, collecte.annee, collecte))
            faites, deja, sans_adresse = collectes.relancer(collecte, cibles, jour)
            total += len(faites)
            for partenaire in faites:
                self.stdout.write(f"{collecte.contrat.slug} {collecte.annee} : {partenaire.sigle} relancé")
            for partenaire in deja:
                self.stdout.write(f"{collecte.contrat.slug} {collecte.annee} : {partenaire.sigle} déjà relancé ce jour")
            for partenaire in sans_adresse:
                self.stderr.write(
                    f"{collecte.contrat.slug} {collecte.annee} : {partenaire.sigle} n'a aucun agent avec "
                    "une adresse de courriel, pas de relance"
                )
        self.stdout.write(f"{total} relance(s) envoyée(s) le {jour:%d/%m/%Y}.")
