"""What each partner commits: dispositifs with their financial estimates, and the
non-financial reciprocal commitments of a convention.

Amounts are Decimal euros. An unknown amount is NULL, never 0.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.urls import reverse

from contrat import permissions
from contrat.models import Contrat, Document, Objectif, Partenaire, Quartier
from noyau.historique import Suivi
from noyau.modeles import NaturalKeyManager, Versionne

# A commitment that is not an amount is made measurable by what is counted and the level aimed at.
AIDE_INDICATEUR = "Ce qui permet de dire si l'engagement est tenu : « nombre de familles accompagnées »…"
AIDE_CIBLE = "Le niveau visé, avec son unité et son échéance : « 150 familles par an »."
MONTANT = {"max_digits": 14, "decimal_places": 2, "null": True, "blank": True, "validators": [MinValueValidator(0)]}


class DispositifQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contrat__in=Contrat.objects.visible_to(user))

    def editable_by(self, user):
        """The dispositifs whose description the user may change: their own partner's, not archived,
        carrying no line of a validated contribution."""
        qs = (
            self.visible_to(user)
            .filter(archive=False)
            .exclude(Exists(Estimation.objects.validees().filter(dispositif=OuterRef("pk"))))
        )
        if user.is_superuser:
            return qs
        return qs.filter(permissions.filtre_agent(user, "partenaire", "contrat"))

    def actifs(self):
        return self.filter(archive=False)


class DispositifManager(NaturalKeyManager.from_queryset(DispositifQuerySet)):
    pass


class Dispositif(Versionne):
    """One line of an annexe financière: what a partner mobilises under one or several objectifs."""

    class Statut(models.TextChoices):
        EN_PROJET = "en_projet", "En projet"
        ACTIF = "actif", "Actif"
        ARRETE = "arrete", "Arrêté"

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="dispositifs", verbose_name="contrat")
    code = models.SlugField("identifiant", max_length=80)
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        related_name="dispositifs",
        verbose_name="service responsable du financement",
    )
    intitule = models.CharField("intitulé du dispositif / offre de services", max_length=500)
    unite_compte = models.CharField("unité de compte", max_length=500, blank=True)
    remarque = models.TextField("remarques", blank=True)
    statut = models.CharField("statut", max_length=20, choices=Statut.choices, default=Statut.ACTIF)
    objectifs = models.ManyToManyField(
        Objectif,
        blank=True,
        related_name="dispositifs",
        verbose_name="objectifs opérationnels",
        help_text="Aucun objectif : ligne hors pilier (ex. poste de référent).",
    )
    quartiers = models.ManyToManyField(
        Quartier, blank=True, related_name="dispositifs", verbose_name="quartiers ciblés"
    )
    structures = models.TextField("structures ciblées", blank=True)
    ordre = models.PositiveIntegerField("ordre dans l'annexe", default=0)
    archive = models.BooleanField(
        "archivé", default=False, help_text="Un dispositif archivé ne figure plus dans l'annexe."
    )

    objects = DispositifManager()
    natural_key_lookups = ("contrat__slug", "code")
    suivi = Suivi(
        "dispositif",
        (
            "contrat_id",
            "code",
            "partenaire_id",
            "intitule",
            "unite_compte",
            "remarque",
            "statut",
            "structures",
            "ordre",
            "archive",
        ),
        contrat="contrat_id",
        m2m=("objectifs", "quartiers"),
    )

    class Meta:
        verbose_name = "dispositif"
        ordering = ["contrat", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "code"],
                name="dispositif_code_unique",
                violation_error_message="Ce contrat a déjà un dispositif avec cet identifiant.",
            )
        ]

    def __str__(self):
        return self.intitule

    def get_absolute_url(self):
        return reverse("engagements:dispositif", args=[self.pk])

    def natural_key(self):
        return (self.contrat.slug, self.code)

    natural_key.dependencies = ["contrat.contrat", "contrat.partenaire", "contrat.objectif"]

    @property
    def libelle(self):
        # The annexe prints "EN PROJET : agence immobilière à vocation sociale".
        if self.statut == self.Statut.EN_PROJET:
            return f"EN PROJET : {self.intitule}"
        return self.intitule


class EstimationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contrat__in=Contrat.objects.visible_to(user))

    def _sous(self, statuts):
        return self.filter(
            Exists(
                Contribution.objects.filter(
                    contrat=OuterRef("contrat"),
                    partenaire=OuterRef("partenaire"),
                    annee=OuterRef("annee"),
                    statut__in=statuts,
                    nature=Nature.PREVISIONNEL,
                )
            )
        )

    def verrouillees(self):
        """Estimates whose partner's contribution for the year is submitted or validated: closed to agents."""
        return self._sous([Contribution.Statut.SOUMIS, Contribution.Statut.VALIDE])

    def validees(self):
        """Estimates of a validated contribution: closed to everyone, by every route, until it is reopened."""
        return self._sous([Contribution.Statut.VALIDE])

    def editable_by(self, user):
        """An agent changes their own partner's estimates while the year's contribution is a draft."""
        qs = self.visible_to(user).filter(dispositif__archive=False)
        if user.is_superuser:
            return qs.exclude(pk__in=self.validees().values("pk"))
        return qs.filter(permissions.filtre_agent(user, "partenaire", "contrat")).exclude(
            pk__in=self.verrouillees().values("pk")
        )

    def du_contrat(self, contrat):
        """The contract's lines of dispositifs not archived: one range of the index (contrat, annee, partenaire).
        The contract is said of the dispositif too, so that the join reads its dispositifs alone, not every
        contract's (PostgreSQL cannot infer it from the line's)."""
        return self.filter(contrat=contrat, dispositif__contrat=contrat, dispositif__archive=False)

    def de_l_annexe(self, contrat, annee, partenaire=None):
        """The estimates an annexe prints, with everything its layout needs in a fixed number of queries."""
        qs = (
            self.du_contrat(contrat)
            .filter(annee=annee)
            .select_related("dispositif__partenaire", "partenaire", "realisation")
            .prefetch_related("dispositif__objectifs")
        )
        if partenaire is not None:
            qs = qs.filter(partenaire=partenaire)
        return qs.order_by("dispositif__ordre", "dispositif__pk", "partenaire__nom")


class EstimationManager(NaturalKeyManager.from_queryset(EstimationQuerySet)):
    pass


class Estimation(Versionne):
    """A partner's financial estimate for a dispositif: one year, and a multi-year projection."""

    dispositif = models.ForeignKey(
        Dispositif, on_delete=models.CASCADE, related_name="estimations", verbose_name="dispositif"
    )
    # The dispositif's contract, kept on the line (`completer`): one contract's lines of a year are one range
    # of the index (contrat, annee, partenaire), whether the instance holds 1 contract or 400. Through the
    # dispositif, PostgreSQL read a national partner's lines everywhere, or the contract's 5 000 dispositifs.
    contrat = models.ForeignKey(
        Contrat, on_delete=models.CASCADE, related_name="+", editable=False, verbose_name="contrat"
    )
    partenaire = models.ForeignKey(
        Partenaire, on_delete=models.PROTECT, related_name="estimations", verbose_name="partenaire financeur"
    )
    annee = models.PositiveSmallIntegerField("année")
    montant_annuel = models.DecimalField("valorisation financière annuelle (€)", **MONTANT)
    remarque_annuelle = models.TextField("remarque sur le montant annuel", blank=True)
    periode_debut = models.PositiveSmallIntegerField("période pluriannuelle : début", null=True, blank=True)
    periode_fin = models.PositiveSmallIntegerField("période pluriannuelle : fin", null=True, blank=True)
    montant_pluriannuel = models.DecimalField("montant estimatif pluriannuel (€)", **MONTANT)
    remarque_pluriannuelle = models.TextField("remarque sur le montant pluriannuel", blank=True)

    objects = EstimationManager()
    natural_key_lookups = ("dispositif__contrat__slug", "dispositif__code", "partenaire__slug", "annee")
    suivi = Suivi(
        "estimation",
        (
            "dispositif_id",
            "partenaire_id",
            "annee",
            "montant_annuel",
            "remarque_annuelle",
            "periode_debut",
            "periode_fin",
            "montant_pluriannuel",
            "remarque_pluriannuelle",
        ),
        contrat="dispositif.contrat_id",
        dossier=("dispositif", "dispositif_id"),
        en_euros=("montant_annuel", "montant_pluriannuel"),
    )

    class Meta:
        verbose_name = "estimation financière"
        verbose_name_plural = "estimations financières"
        ordering = ["dispositif", "annee"]
        indexes = [models.Index(fields=["contrat", "annee", "partenaire"], name="estimation_contrat_annee")]
        constraints = [
            models.UniqueConstraint(
                fields=["dispositif", "partenaire", "annee"],
                name="estimation_unique",
                violation_error_message="Ce partenaire a déjà une estimation pour ce dispositif et cette année.",
            ),
            models.CheckConstraint(
                condition=models.Q(montant_annuel__isnull=True) | models.Q(montant_annuel__gte=0),
                name="estimation_annuel_positif",
                violation_error_message="Le montant annuel ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=models.Q(montant_pluriannuel__isnull=True) | models.Q(montant_pluriannuel__gte=0),
                name="estimation_pluriannuel_positif",
                violation_error_message="Le montant pluriannuel ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=models.Q(periode_debut__isnull=True)
                | models.Q(periode_fin__isnull=True)
                | models.Q(periode_fin__gte=models.F("periode_debut")),
                name="estimation_periode_ordonnee",
                violation_error_message="La fin de la période doit suivre son début.",
            ),
        ]

    def __str__(self):
        return f"{self.dispositif} — {self.partenaire.sigle} {self.annee}"

    def completer(self):
        """The columns read from others: the contract of its dispositif (saved, bulk-created or loaded)."""
        if self.dispositif_id is not None:
            self.contrat_id = self.dispositif.contrat_id

    def natural_key(self):
        return (*self.dispositif.natural_key(), self.partenaire.slug, self.annee)

    natural_key.dependencies = ["engagements.dispositif", "contrat.partenaire"]

    @property
    def periode(self):
        if self.periode_debut and self.periode_fin:
            return f"{self.periode_debut}-{self.periode_fin}"
        return ""

    @property
    def remarques(self):
        """The annexe's Remarques cell: the dispositif's remark, then the estimate's own."""
        textes = [self.dispositif.remarque, self.remarque_annuelle, self.remarque_pluriannuelle]
        return "\n".join(t for t in textes if t)


class Realisation(Versionne):
    """What a line of a past year actually mobilised, as its partner reports it in the year's bilan
    and the chef de projet validates it. An amount not known is NULL, never 0: it is not counted."""

    estimation = models.OneToOneField(
        Estimation, on_delete=models.CASCADE, related_name="realisation", verbose_name="ligne prévue"
    )
    montant_realise = models.DecimalField("montant réalisé (€)", **MONTANT)
    remarque = models.TextField("remarque sur la réalisation", blank=True)

    suivi = Suivi(
        "realisation",
        ("estimation_id", "montant_realise", "remarque"),
        contrat="estimation.dispositif.contrat_id",
        dossier=("dispositif", "estimation.dispositif_id"),
        en_euros=("montant_realise",),
    )

    class Meta:
        verbose_name = "réalisation"
        verbose_name_plural = "réalisations"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(montant_realise__isnull=True) | models.Q(montant_realise__gte=0),
                name="realisation_montant_positif",
                violation_error_message="Le montant réalisé ne peut pas être négatif.",
            ),
        ]

    def __str__(self):
        return f"Réalisé — {self.estimation}"


def somme(montants):
    """Sum of the known amounts; None when none is known (unknown is not 0)."""
    connus = [m for m in montants if m is not None]
    return sum(connus, Decimal(0)) if connus else None


@dataclass
class Taux:
    """Planned and done over some lines. The rate compares only the lines whose planned and done
    amounts are both known: an unknown is never taken for 0."""

    prevu: Decimal | None
    realise: Decimal | None
    realise_comparable: Decimal | None
    prevu_comparable: Decimal | None
    inconnus: int
    lignes: int = 0  # the lines counted
    comparables: int = 0  # those whose planned and done amounts are both known: the rate's ground

    @property
    def taux(self):
        if self.realise_comparable is None or not self.prevu_comparable:
            return None
        return (self.realise_comparable / self.prevu_comparable * 100).quantize(Decimal("1"))

    @property
    def couverture(self):
        """What the rate stands on, said with it: « sur 4 lignes connues sur 37 »."""
        pluriel = "s" if self.comparables > 1 else ""
        return f"sur {self.comparables} ligne{pluriel} connue{pluriel} sur {self.lignes}"

    @property
    def taux_dit(self):
        """The rate with its coverage, as every table prints it; « — » when there is none."""
        if self.taux is None:
            return "—"
        return f"{self.taux} % {self.couverture}"


def taux(estimations):
    """`Taux` of estimates whose `realisation` was read with them (select_related)."""
    estimations = list(estimations)
    connues = [e for e in estimations if _realise(e) is not None]
    comparables = [e for e in connues if e.montant_annuel is not None]
    return Taux(
        prevu=somme(e.montant_annuel for e in estimations),
        realise=somme(_realise(e) for e in connues),
        realise_comparable=somme(_realise(e) for e in comparables),
        prevu_comparable=somme(e.montant_annuel for e in comparables),
        inconnus=len(estimations) - len(connues),
        lignes=len(estimations),
        comparables=len(comparables),
    )


def _realise(estimation):
    realisation = getattr(estimation, "realisation", None)
    return realisation.montant_realise if realisation is not None else None


def realisation_de(estimation):
    try:
        return estimation.realisation
    except Realisation.DoesNotExist:
        return None


def par_annee(estimations):
    """[(year, Taux)] of estimates read with their realisation, oldest first."""
    annees = {}
    for e in estimations:
        annees.setdefault(e.annee, []).append(e)
    return [(annee, taux(lignes)) for annee, lignes in sorted(annees.items())]


class AnnexeFinanciere(Versionne):
    """The title block and the starred caveats of a partner's annexe financière."""

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="annexes", verbose_name="contrat")
    slug = models.SlugField("identifiant", max_length=80)
    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="document signé"
    )
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annexes",
        verbose_name="partenaire",
        help_text="Vide : annexe de tous les partenaires.",
    )
    titre = models.CharField(
        "titre (tel que dans le document)",
        max_length=300,
        blank=True,
        help_text="Vide : « Mobilisation des crédits de droit commun par » le partenaire.",
    )
    intitule = models.CharField(
        "intitulé", max_length=300, default="Dispositifs mobilisables sur les Territoires prioritaires"
    )
    reserve = models.CharField(
        "réserve",
        max_length=300,
        blank=True,
        default="Sous réserve du maintien des dispositifs de droit commun et des dotations",
    )
    annee = models.PositiveSmallIntegerField("année de l'estimation")
    periode_debut = models.PositiveSmallIntegerField("projection : début")
    periode_fin = models.PositiveSmallIntegerField("projection : fin")
    notes = models.TextField(
        "notes de bas de tableau", blank=True, help_text="Une note par ligne, telles qu'imprimées (« *Les montants… »)."
    )

    objects = NaturalKeyManager()
    natural_key_lookups = ("contrat__slug", "slug")
    suivi = Suivi(
        "annexe",
        (
            "contrat_id",
            "slug",
            "document_id",
            "partenaire_id",
            "titre",
            "intitule",
            "reserve",
            "annee",
            "periode_debut",
            "periode_fin",
            "notes",
        ),
        contrat="contrat_id",
        dossier=("contrat", "contrat_id"),
    )

    class Meta:
        verbose_name = "annexe financière"
        verbose_name_plural = "annexes financières"
        ordering = ["contrat", "annee"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "slug"],
                name="annexe_slug_unique",
                violation_error_message="Ce contrat a déjà une annexe avec cet identifiant.",
            )
        ]

    def __str__(self):
        return f"Annexe financière {self.annee} — {self.partenaire or 'tous partenaires'}"

    def natural_key(self):
        return (self.contrat.slug, self.slug)

    natural_key.dependencies = ["contrat.contrat", "contrat.partenaire", "contrat.document"]

    @property
    def liste_notes(self):
        return [ligne.strip() for ligne in self.notes.splitlines() if ligne.strip()]


class ArticleConvention(models.Model):
    """An article (or sub-article, "2.1") of a convention of reciprocal commitments."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="articles", verbose_name="convention")
    numero = models.CharField("numéro", max_length=20)
    titre = models.CharField("titre", max_length=300)
    contexte = models.TextField("contexte", blank=True)
    complement = models.TextField("pour rappel / compléments", blank=True)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    objects = NaturalKeyManager()
    natural_key_lookups = ("document__contrat__slug", "document__slug", "numero")

    class Meta:
        verbose_name = "article de convention"
        verbose_name_plural = "articles de convention"
        ordering = ["document", "ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "numero"],
                name="article_numero_unique",
                violation_error_message="Cette convention a déjà un article avec ce numéro.",
            )
        ]

    def __str__(self):
        return f"Article {self.numero} : {self.titre}"

    @property
    def intitule_complet(self):
        """« Article 2.1 — … », or « Annexe 5 — … » for an annexe kept with the articles."""
        numero = self.numero if self.numero.startswith("Annexe") else f"Article {self.numero}"
        return f"{numero} — {self.titre}"

    def natural_key(self):
        return (*self.document.natural_key(), self.numero)

    natural_key.dependencies = ["contrat.document"]


class EngagementReciproque(Versionne):
    """What one party (or, with no partner, the parties together) undertakes in an article."""

    article = models.ForeignKey(
        ArticleConvention, on_delete=models.CASCADE, related_name="engagements", verbose_name="article"
    )
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="engagements_reciproques",
        verbose_name="partie",
        help_text="Vide : engagement commun des parties.",
    )
    formule = models.CharField("formule", max_length=300, help_text="« La CAF de la Côte-d'Or s'engage à : »")
    points = models.TextField("engagements", help_text="Un engagement par ligne.")
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    indicateur = models.CharField("mesure (indicateur)", max_length=300, blank=True, help_text=AIDE_INDICATEUR)
    cible = models.CharField("cible", max_length=200, blank=True, help_text=AIDE_CIBLE)

    objects = NaturalKeyManager()
    natural_key_lookups = ("article__document__contrat__slug", "article__document__slug", "article__numero", "ordre")
    suivi = Suivi(
        "engagement_reciproque",
        ("article_id", "partenaire_id", "formule", "points", "ordre", "indicateur", "cible"),
        contrat="article.document.contrat_id",
        dossier=("contrat", "article.document.contrat_id"),
    )

    class Meta:
        verbose_name = "engagement réciproque"
        verbose_name_plural = "engagements réciproques"
        ordering = ["article", "ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "ordre"],
                name="engagement_ordre_unique",
                violation_error_message="Cet article a déjà un engagement à ce rang.",
            )
        ]

    def __str__(self):
        return self.formule

    def natural_key(self):
        return (*self.article.natural_key(), self.ordre)

    natural_key.dependencies = ["engagements.articleconvention", "contrat.partenaire"]

    @property
    def liste_points(self):
        return [ligne.strip() for ligne in self.points.splitlines() if ligne.strip()]


class Nature(models.TextChoices):
    """What a campaign collects for its year: the planned amounts, or (the year over) what was done."""

    PREVISIONNEL = "previsionnel", "Prévisionnel"
    BILAN = "bilan", "Bilan"


class Contribution(Versionne):
    """A partner's contribution to a contract for a year: brouillon → soumis → validé (or renvoyé).
    A *prévisionnel* holds the year's planned lines; a *bilan* what those lines actually mobilised."""

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon"
        SOUMIS = "soumis", "Soumis au chef de projet"
        VALIDE = "valide", "Validé"
        RENVOYE = "renvoye", "Renvoyé pour correction"

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="contributions", verbose_name="contrat")
    partenaire = models.ForeignKey(
        Partenaire, on_delete=models.PROTECT, related_name="contributions", verbose_name="partenaire"
    )
    annee = models.PositiveSmallIntegerField("année")
    nature = models.CharField("nature", max_length=20, choices=Nature.choices, default=Nature.PREVISIONNEL)
    statut = models.CharField("statut", max_length=20, choices=Statut.choices, default=Statut.BROUILLON)
    commentaire = models.TextField("commentaire du chef de projet", blank=True)
    rien_a_declarer = models.BooleanField(
        "rien à déclarer pour cette année",
        default=False,
        help_text="Soumise sans ligne : le partenaire déclare ne rien mobiliser cette année.",
    )
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="modifié par"
    )
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    suivi = Suivi(
        "contribution",
        ("contrat_id", "partenaire_id", "annee", "nature", "statut", "commentaire", "rien_a_declarer"),
        contrat="contrat_id",
    )

    class Meta:
        verbose_name = "contribution annuelle"
        verbose_name_plural = "contributions annuelles"
        ordering = ["contrat", "annee", "partenaire__nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "partenaire", "annee", "nature"],
                name="contribution_unique",
                violation_error_message="Ce partenaire a déjà une contribution de cette nature pour cette année.",
            )
        ]

    def __str__(self):
        bilan = " (bilan)" if self.nature == Nature.BILAN else ""
        return f"{self.partenaire.sigle} {self.annee}{bilan} — {self.get_statut_display()}"

    @property
    def bilan(self):
        return self.nature == Nature.BILAN

    @property
    def modifiable_par_les_agents(self):
        return self.statut in (self.Statut.BROUILLON, self.Statut.RENVOYE)


class CollecteQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contrat__in=Contrat.objects.visible_to(user))

    def ouvertes(self):
        return self.filter(ouverte=True)


class Collecte(Versionne):
    """The yearly campaign of a contract: the chef de projet asks the expected partners for their
    figures of a year by a deadline, follows them, reminds them, and closes it."""

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="collectes", verbose_name="contrat")
    annee = models.PositiveSmallIntegerField("année collectée")
    nature = models.CharField(
        "nature",
        max_length=20,
        choices=Nature.choices,
        default=Nature.PREVISIONNEL,
        help_text="Prévisionnel : les montants prévus de l'année ; bilan : ce qui a été réalisé, l'année achevée.",
    )
    echeance = models.DateField("date limite de soumission")
    ouverte = models.BooleanField("ouverte", default=True, help_text="Fermée : plus de relance.")
    partenaires = models.ManyToManyField(Partenaire, related_name="collectes", verbose_name="partenaires attendus")
    ouverte_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ouverte par",
    )
    ouverte_le = models.DateTimeField("ouverte le", auto_now_add=True)

    objects = CollecteQuerySet.as_manager()
    suivi = Suivi(
        "collecte",
        ("contrat_id", "annee", "nature", "echeance", "ouverte"),
        contrat="contrat_id",
        dossier=("contrat", "contrat_id"),
        m2m=("partenaires",),
    )

    class Meta:
        verbose_name = "collecte annuelle"
        verbose_name_plural = "collectes annuelles"
        ordering = ["contrat", "-annee"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "annee", "nature"],
                name="collecte_unique",
                violation_error_message="Une collecte de cette nature existe déjà pour cette année dans ce contrat.",
            )
        ]

    def __str__(self):
        return f"{'Bilan' if self.nature == Nature.BILAN else 'Collecte'} {self.annee} — {self.contrat}"

    @property
    def bilan(self):
        return self.nature == Nature.BILAN

    def get_absolute_url(self):
        bilan = "&nature=bilan" if self.bilan else ""
        return reverse("engagements:tableau_de_bord", args=[self.contrat.slug]) + f"?annee={self.annee}{bilan}"

    @property
    def vue_contribution(self):
        """The page where an expected partner answers this campaign."""
        return "engagements:bilan" if self.bilan else "engagements:contribution"


class Relance(models.Model):
    """A reminder sent to a partner for a campaign: at most one a day (the command and the button alike)."""

    collecte = models.ForeignKey(Collecte, on_delete=models.CASCADE, related_name="relances", verbose_name="collecte")
    partenaire = models.ForeignKey(
        Partenaire, on_delete=models.CASCADE, related_name="relances", verbose_name="partenaire"
    )
    jour = models.DateField("jour")
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
        help_text="Vide : relance automatique (manage.py relancer).",
    )
    courriel = models.ForeignKey(
        "noyau.Courriel", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="courriel"
    )

    class Meta:
        verbose_name = "relance"
        ordering = ["-jour", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collecte", "partenaire", "jour"],
                name="relance_une_par_jour",
                violation_error_message="Ce partenaire a déjà été relancé aujourd'hui.",
            )
        ]

    def __str__(self):
        return f"Relance {self.partenaire.sigle} {self.jour}"


class Export(models.Model):
    """A large export made in the background, kept until what it shows changes.

    `cle` is the hash of what the file shows (the rows, the totals, the titles): asking for
    the same annexe while its data are unchanged finds the file made before."""

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente"
        EN_COURS = "en_cours", "En préparation"
        PRET = "pret", "Prêt"
        ECHEC = "echec", "Échec"

    cle = models.CharField("empreinte des données exportées", max_length=64, unique=True)
    sujet = models.CharField(
        "empreinte de la demande",
        max_length=64,
        db_index=True,
        help_text="Même export (nature, contrat, filtres), quelles que soient les données.",
    )
    nature = models.CharField(
        "nature",
        max_length=20,
        choices=[
            ("annexe_pdf", "Annexe financière (PDF)"),
            ("annexe_xlsx", "Annexe financière (Excel)"),
            ("donnees_csv", "Données ouvertes (CSV)"),
            ("donnees_json", "Données ouvertes (JSON)"),
        ],
    )
    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="exports", verbose_name="contrat")
    parametres = models.JSONField("filtres", default=dict)
    nom_fichier = models.CharField("nom du fichier", max_length=255)
    lignes = models.PositiveIntegerField("lignes", default=0)
    fichier = models.FileField("fichier", upload_to="exports/", blank=True)
    statut = models.CharField("statut", max_length=20, choices=Statut.choices, default=Statut.EN_ATTENTE)
    erreur = models.TextField("erreur", blank=True)
    demande_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="demandé par"
    )
    cree_le = models.DateTimeField("demandé le", auto_now_add=True)
    commence_le = models.DateTimeField("commencé le", null=True, blank=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "export préparé"
        verbose_name_plural = "exports préparés"
        ordering = ["-cree_le"]

    def __str__(self):
        return f"{self.nom_fichier} ({self.get_statut_display()})"

    def get_absolute_url(self):
        return reverse("engagements:export", args=[self.pk])

    @property
    def termine(self):
        return self.statut in (self.Statut.PRET, self.Statut.ECHEC)


@receiver(pre_save, sender=Estimation)
def _completer(sender, instance, **kwargs):
    # Sent by save() and by loaddata (which calls no save() of ours); creer_en_nombre calls completer() itself.
    instance.completer()
