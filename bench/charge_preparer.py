"""Accounts of the load test, on the copy of the bench's national database (bench/charge.sh): which 2025
lines each national agent may edit (its organisation's, in the first contracts; the campaign is open and
its contribution a draft) and which contract each chef de projet leads (bench/locust-comptes.json)."""

import json
import os
import sys
from pathlib import Path

import django

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from bench import national  # noqa: E402
from contrat.models import Contrat  # noqa: E402
from engagements.models import Estimation  # noqa: E402

contrats = list(
    Contrat.objects.filter(slug__startswith=national.PREFIXE).order_by("slug").values_list("slug", flat=True)
)
agents = {}
for slug, *_ in national.NATIONAUX:
    # 20 contracts each, 40 lines in each: writes spread as a national agent's are, across contracts.
    agents[f"nat.agent.{slug}"] = {
        c: list(
            Estimation.objects.filter(dispositif__contrat__slug=c, partenaire__slug=slug, annee=national.ANNEE)
            .order_by("pk")
            .values_list("pk", flat=True)[:40]
        )
        for c in contrats[:20]
    }
chefs = {f"nat.chef-{c[len(national.PREFIXE) :]}": c for c in contrats[:25]}
(RACINE / "bench" / "locust-comptes.json").write_text(
    json.dumps({"mot_de_passe": national.MOT_DE_PASSE, "agents": agents, "chefs": chefs, "contrats": len(contrats)})
)
print(f"{len(contrats)} contrats ; {len(agents)} comptes d'agents nationaux, {len(chefs)} chefs de projet")
