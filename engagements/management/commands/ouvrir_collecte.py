"""Opens a contract's yearly campaign from the command line (`make demo` opens grand-dijon's 2015)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contrat.models import Contrat, Partenaire
from engagements import collectes
from engagements.models import Collecte, Nature
from noyau import versions


class Command(BaseCommand):
    help = (
        "Ouvre la collecte annuelle d'un contrat : date limite (30 jours par défaut) et partenaires attendus "
        "(par défaut, ceux que la page d'ouverture propose). Ne fait rien si elle est déjà ouverte."
    )

    def add_arguments(self, parser):
        parser.add_argument("contrat", help="Identifiant du contrat, par exemple grand-dijon.")
        parser.add_argument("annee", type=int, help="Année collectée.")
        parser.add_argument("--partenaires", nargs="*", help="Identifiants des partenaires attendus.")
        parser.add_argument("--echeance", help="Date limite (AAAA-MM-JJ) ; dans 30 jours par défaut.")
        parser.add_argument(
            "--bilan",
            action="store_true",
            help="Ouvre le bilan de l'année (ce qui a été réalisé) plutôt que son prévisionnel.",
        )

    def handle(self, *args, contrat, annee, partenaires, echeance, bilan, **options):
        objet = Contrat.objects.filter(slug=contrat).first()
        if objet is None:
            raise CommandError(f"Aucun contrat « {contrat} ».")
        if not objet.annee_debut <= annee <= objet.annee_fin_effective:
            raise CommandError(f"L'année {annee} est hors de la période du contrat ({objet.periode}).")
        nature = Nature.BILAN if bilan else Nature.PREVISIONNEL
        quoi = f"Le bilan {annee}" if bilan else f"La collecte {annee}"
        if bilan and annee >= timezone.localdate().year:
            raise CommandError(f"L'année {annee} n'est pas achevée : son bilan s'ouvre à partir de {annee + 1}.")
        existante = Collecte.objects.filter(contrat=objet, annee=annee, nature=nature).first()
        if existante is not None:
            self.stdout.write(
                f"{quoi} de {objet.nom} est déjà ouvert{'' if bilan else 'e'} "
                f"(date limite {existante.echeance:%d/%m/%Y})."
            )
            return
        try:
            jour = date.fromisoformat(echeance) if echeance else collectes.echeance_par_defaut(timezone.localdate())
        except ValueError:
            raise CommandError(f"Date limite invalide : « {echeance} » (attendu : AAAA-MM-JJ).") from None
        if partenaires:
            attendus = list(Partenaire.objects.filter(slug__in=partenaires))
            inconnus = set(partenaires) - {p.slug for p in attendus}
            if inconnus:
                raise CommandError("Partenaires inconnus : " + ", ".join(sorted(inconnus)))
        else:
            attendus = list(collectes.proposer_partenaires(objet, annee))
        collecte = versions.creer(
            None,
            Collecte(contrat=objet, annee=annee, nature=nature, echeance=jour),
            {"partenaires": attendus},
            source=versions.Source.COMMANDE,
            detail="ouvrir_collecte",
        )
        self.stdout.write(
            f"{'Bilan' if bilan else 'Collecte'} {annee} de {objet.nom} ouvert{'' if bilan else 'e'} : "
            f"date limite {collecte.echeance:%d/%m/%Y}, "
            f"partenaires attendus : {', '.join(p.sigle for p in attendus)}."
        )
