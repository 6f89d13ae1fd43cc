"""Data of the load test: the conventions, the demo accounts and the bench's 2 000-line contract;
writes which estimates each agent may edit (bench/locust-comptes.json) for the locust users."""

import json
import os
import sys
from pathlib import Path

import django

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402

from bench import donnees  # noqa: E402
from engagements.models import Estimation  # noqa: E402
from noyau.models import Historique  # noqa: E402

MOT_DE_PASSE = "banc-d-essai-mot-de-passe"

call_command("charger_conventions", verbosity=0)
contrat = donnees.creer()
Historique.objects.filter(contrat_id=contrat.pk).delete()
comptes = {}
for i in range(20):
    nom = f"banc.agent{i:02d}"
    comptes[nom] = list(
        Estimation.objects.filter(
            dispositif__contrat=contrat, annee=2024, partenaire__slug=f"banc-partenaire-{i + 1:02d}"
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:40]
    )
(RACINE / "bench" / "locust-comptes.json").write_text(
    json.dumps({"mot_de_passe": MOT_DE_PASSE, "contrat": contrat.slug, "agents": comptes, "chef": "banc.chef"})
)
print(f"{sum(len(v) for v in comptes.values())} estimations modifiables par {len(comptes)} agents")
