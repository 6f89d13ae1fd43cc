from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# In dependency order: natural keys are resolved against rows already loaded.
FIXTURES = [
    "contrat__partenaire.json",
    "grand_dijon__contrat.json",
    "grand_dijon__annexe_caf_2015.json",
    "grand_dijon__convention_caf_2016_2017.json",
    "grand_dijon__fiches_actions.json",
    "seine_amont__fiches_operationnelles.json",
    "ctg_dijon__convention.json",
    "grand_dijon__gouvernance.json",
    "ctg_dijon__gouvernance.json",
]


class Command(BaseCommand):
    help = "Charge les données des conventions signées (fixtures/). Recharger ne crée aucun doublon."

    def handle(self, *args, **options):
        for nom in FIXTURES:
            call_command("loaddata", settings.BASE_DIR / "fixtures" / nom, verbosity=options["verbosity"])
