"""Commitments that are not amounts — a fiche's engagement, a convention's reciprocal commitment —
followed year by year: the partner says whether it was kept (*tenu*, *partiellement tenu*,
*non tenu*, *non évalué*) against its measure, with a comment; the chef de projet validates.

The measure (indicator, target) belongs to the commitment itself (`indicateur`, `cible` on
`fiches.Engagement` and `engagements.EngagementReciproque`); a `Tenue` is one year of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from contrat.models import Contrat, Partenaire
from engagements.models import EngagementReciproque
from fiches.models import Engagement
from noyau.historique import Suivi
from noyau.modeles import Versionne


class TenueQuerySet(models.QuerySet):
    def de_l_annee(self, contrat, annee):
        return self.filter(contrat=contrat, annee=annee)


class Tenue(Versionne):
    class Statut(models.TextChoices):
        TENU = "tenu", "Tenu"
        PARTIELLEMENT = "partiellement", "Partiellement tenu"
        NON_TENU = "non_tenu", "Non tenu"
        NON_EVALUE = "non_evalue", "Non évalué"

    class Etat(models.TextChoices):
        A_VALIDER = "a_valider", "À valider par le chef de projet"
        VALIDE = "valide", "Validé"
        RENVOYE = "renvoye", "Renvoyé pour correction"

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="tenues", verbose_name="contrat")
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tenues",
        verbose_name="partenaire",
        help_text="Vide : engagement commun des parties.",
    )
    engagement_fiche = models.ForeignKey(
        Engagement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tenues",
        verbose_name="engagement de fiche",
    )
    engagement_reciproque = models.ForeignKey(
        EngagementReciproque,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tenues",
        verbose_name="engagement réciproque",
    )
    annee = models.PositiveSmallIntegerField("année")
    statut = models.CharField(
        "l'engagement a-t-il été tenu ?", max_length=20, choices=Statut.choices, default=Statut.NON_EVALUE
    )
    valeur = models.CharField(
        "valeur atteinte",
        max_length=200,
        blank=True,
        help_text="Ce que la mesure a donné cette année : « 128 familles ».",
    )
    commentaire = models.TextField("commentaire", blank=True)
    etat = models.CharField("validation", max_length=20, choices=Etat.choices, default=Etat.A_VALIDER)
    motif = models.TextField("commentaire du chef de projet", blank=True)
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifié par",
    )
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    objects = TenueQuerySet.as_manager()
    suivi = Suivi(
        "tenue",
        (
            "contrat_id",
            "partenaire_id",
            "engagement_fiche_id",
            "engagement_reciproque_id",
            "annee",
            "statut",
            "valeur",
            "commentaire",
            "etat",
            "motif",
        ),
        contrat="contrat_id",
        dossier=("tenues", "contrat_id"),
    )

    class Meta:
        verbose_name = "suivi annuel d'un engagement"
        verbose_name_plural = "suivis annuels des engagements"
        ordering = ["contrat", "annee", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(engagement_fiche__isnull=False, engagement_reciproque__isnull=True)
                | Q(engagement_fiche__isnull=True, engagement_reciproque__isnull=False),
                name="tenue_un_seul_engagement",
                violation_error_message=(
                    "Un suivi porte sur un seul engagement : celui d'une fiche ou celui d'une convention."
                ),
            ),
            models.UniqueConstraint(
                fields=["engagement_fiche", "annee"],
                condition=Q(engagement_fiche__isnull=False),
                name="tenue_fiche_annee_unique",
                violation_error_message="Cet engagement a déjà son suivi pour cette année.",
            ),
            models.UniqueConstraint(
                fields=["engagement_reciproque", "annee"],
                condition=Q(engagement_reciproque__isnull=False),
                name="tenue_reciproque_annee_unique",
                violation_error_message="Cet engagement a déjà son suivi pour cette année.",
            ),
        ]

    def __str__(self):
        return f"{self.engagement} — {self.annee} : {self.get_statut_display()}"

    @property
    def engagement(self):
        return self.engagement_fiche or self.engagement_reciproque

    @property
    def intitule(self):
        """The commitment's own words, on one line (a report's cell)."""
        if self.engagement_fiche_id:
            return " ".join((self.engagement_fiche.texte or self.engagement_fiche.nom).split())
        e = self.engagement_reciproque
        return " ".join([e.formule, *e.liste_points])
