"""The contract, its territory, its partners and its strategy tree.

Every model loaded from the conventions has a natural key, so that loading a
fixture twice updates the rows instead of duplicating them.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.urls import reverse

from noyau.historique import Suivi
from noyau.modeles import NaturalKeyManager, Versionne

from . import territoires

# The official régions (code: name), for the other apps: they read this module, not `territoires`.
REGIONS = territoires.REGIONS


def valider_code_insee(valeur):
    if valeur and (erreur := territoires.erreur_code_insee(valeur)):
        raise ValidationError(erreur)


class PartenaireQuerySet(models.QuerySet):
    def du_contrat(self, contrat):
        """The organisations of a contract: its porteur, its signatories, those the chef de projet added,
        those with members in it."""
        return (
            self.filter(
                models.Q(pk=contrat.porteur_id)
                | models.Q(signatures__document__contrat=contrat)
                | models.Q(contrats_partenaires=contrat)
                | models.Q(membres__contrat=contrat)
            )
            .distinct()
            .order_by("nom")
        )

    def _lies(self, relation, **filtre):
        """The organisation ids a link table names (`relation`: the reverse name of its foreign key to the
        organisation), read from that table alone: no join of the organisations, whose table holds every
        contract's of the instance."""
        lien = self.model._meta.get_field(relation)
        return lien.related_model.objects.filter(**filtre).order_by().values_list(lien.field.attname)

    def parmi(self, *ids):
        """The organisations of one UNION of id subqueries: PostgreSQL reads each link by its index, then the
        few organisations by their key, instead of testing every organisation of the instance against each."""
        premier, *autres = ids
        return self.filter(pk__in=premier.union(*autres, all=True) if autres else premier)

    def choix_du_contrat(self, contrat, *deja):
        """What a form or a filter of one contract offers: its organisations (porteur, signatories, partners,
        those with lines, members, a campaign or a fiche in it) — never another contract's — and those of `deja`
        (pks the edited rows already name, kept so that saving them again is not refused)."""
        un = Contrat.objects.filter(pk=contrat.pk)
        liens = [
            *self._liens_des_contrats(un),
            self._lies("membres", contrat=contrat),
            self._lies("collectes", contrat=contrat),
            self._lies("intervenants", fiche__contrat=contrat),
            self._lies("engagements_fiches", fiche__contrat=contrat),
        ]
        choix = self.parmi(*liens)
        if deja:
            choix = self.filter(models.Q(pk__in=choix.values("pk")) | models.Q(pk__in=[pk for pk in deja if pk]))
        return choix.order_by("nom")

    def _liens_des_contrats(self, contrats, lignes=True):
        liens = [
            contrats.order_by().values_list("porteur_id"),
            self._lies("signatures", document__contrat__in=contrats),
            Contrat.partenaires.through.objects.filter(contrat__in=contrats).values_list("partenaire_id"),
        ]
        if lignes:
            liens += [self._lies("dispositifs", contrat__in=contrats), self._lies("estimations", contrat__in=contrats)]
        return liens

    def des_contrats(self, contrats, lignes=True):
        """The organisations of these contracts (porteur, signatories, partners, those with lines), as one UNION
        of the link tables (`parmi`). `lignes=False`: those the contracts name only, without reading their
        dispositifs and lines."""
        return self.parmi(*self._liens_des_contrats(contrats, lignes))


class Partenaire(models.Model):
    """An organisation that signs, finances or runs something: État service, CAF, commune…"""

    class Nature(models.TextChoices):
        ETAT = "etat", "Service de l'État"
        COLLECTIVITE = "collectivite", "Collectivité"
        ORGANISME_SOCIAL = "organisme_social", "Organisme social"
        ETABLISSEMENT_PUBLIC = "etablissement_public", "Établissement public"
        BAILLEUR = "bailleur", "Bailleur social"
        ASSOCIATION = "association", "Association"
        AUTRE = "autre", "Autre"

    nom = models.CharField("nom", max_length=200)
    sigle = models.CharField("sigle", max_length=60, help_text="Nom court affiché dans les tableaux (« CAF »).")
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    nature = models.CharField("nature", max_length=30, choices=Nature.choices, default=Nature.AUTRE)
    siren = models.CharField("SIREN", max_length=9, blank=True, help_text="9 chiffres, quand il est connu.")
    article = models.CharField(
        "article",
        max_length=3,
        blank=True,
        choices=[("", "(aucun)"), ("le", "le"), ("la", "la"), ("l'", "l'"), ("les", "les")],
        help_text=(
            "Pour écrire son nom dans une phrase, comme les documents : « par la Caisse d'Allocations Familiales »."
        ),
    )

    objects = NaturalKeyManager.from_queryset(PartenaireQuerySet)()
    natural_key_lookups = ("slug",)

    class Meta:
        verbose_name = "partenaire"
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["siren"],
                condition=~models.Q(siren=""),
                name="partenaire_siren_unique",
                violation_error_message="Une organisation porte déjà ce SIREN.",
            )
        ]

    def __str__(self):
        return self.nom

    def natural_key(self):
        return (self.slug,)

    @property
    def nom_court(self):
        return self.sigle

    @property
    def avec_article(self):
        if not self.article:
            return self.nom
        return f"{self.article}{self.nom}" if self.article.endswith("'") else f"{self.article} {self.nom}"


class Commune(models.Model):
    nom = models.CharField("nom", max_length=120)
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    code_insee = models.CharField(
        "code INSEE",
        max_length=5,
        blank=True,
        db_index=True,
        help_text="Cinq caractères, par exemple 21231 pour Dijon, 01053 pour Bourg-en-Bresse.",
        validators=[valider_code_insee],
    )
    # Read from the INSEE code on every save (`completer`), never typed: a State service's role over a
    # département or a région matches them exactly.
    departement = models.CharField("département", max_length=3, blank=True, editable=False, db_index=True)
    region = models.CharField("région", max_length=2, blank=True, editable=False, db_index=True)

    objects = NaturalKeyManager()
    natural_key_lookups = ("slug",)

    class Meta:
        verbose_name = "commune"
        ordering = ["nom"]

    def __str__(self):
        return self.nom

    def completer(self):
        self.departement = territoires.departement_de(self.code_insee)
        self.region = territoires.region_de(self.departement)

    def save(self, *args, update_fields=None, **kwargs):
        self.completer()
        if update_fields is not None and "code_insee" in update_fields:
            update_fields = {*update_fields, "departement", "region"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def natural_key(self):
        return (self.slug,)


class QuartierPrioritaire(models.Model):
    """A quartier of the official list of the politique de la ville (loaded by `manage.py charger_qpv`):
    its code (QN02101M), its name, its communes (one QPV may lie over several)."""

    code = models.CharField("code", max_length=12, unique=True)
    nom = models.CharField("nom", max_length=200)
    communes = models.ManyToManyField(Commune, related_name="quartiers_prioritaires", verbose_name="communes")
    liste = models.CharField("liste officielle", max_length=10, default="2024")

    class Meta:
        verbose_name = "quartier prioritaire (liste officielle)"
        verbose_name_plural = "quartiers prioritaires (liste officielle)"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.nom}"


class Quartier(models.Model):
    """A neighbourhood, shared by the contracts that hold it: whether it is prioritaire or de veille,
    its code and its successor as each contract knows them are on that contract's `PerimetreQuartier`.
    The shared row changes only through the loads and the administration."""

    nom = models.CharField("nom", max_length=120)
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="quartiers", verbose_name="commune")
    code = models.CharField(
        "code officiel",
        max_length=20,
        blank=True,
        help_text="Le code du quartier prioritaire quand il est connu, par exemple QN02101M.",
    )
    qpv = models.ForeignKey(
        QuartierPrioritaire,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quartiers",
        verbose_name="quartier prioritaire de la liste officielle",
        help_text="Le QPV de la liste officielle que ce quartier est, ou qui lui succède "
        "(un quartier de 2015 et son QPV de 2024).",
    )

    objects = NaturalKeyManager()
    natural_key_lookups = ("slug",)

    class Meta:
        verbose_name = "quartier"
        ordering = ["commune__nom", "nom"]

    def __str__(self):
        return f"{self.nom} ({self.commune})"

    def natural_key(self):
        return (self.slug,)


class ContratQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The contracts a user reads: those of the partners they belong to, those they lead."""
        from . import permissions

        return permissions.contrats_visibles(user, self)

    def de_la_region(self, code):
        """The contracts with a commune in the région `code` (read from the communes' INSEE codes)."""
        return self.filter(pk__in=Contrat.communes.through.objects.filter(commune__region=code).values("contrat_id"))

    def du_departement(self, code):
        """The contracts with a commune in the département `code`."""
        liens = Contrat.communes.through.objects.filter(commune__departement=code)
        return self.filter(pk__in=liens.values("contrat_id"))

    def pilote_par(self, user, slug, pourquoi):
        """The contract `slug` for its chef de projet (or an administrator): 404 if the user does not
        see it, 403 with `pourquoi` if they see it without leading it."""
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import get_object_or_404

        from . import permissions

        contrat = get_object_or_404(self.visible_to(user), slug=slug)
        if not permissions.peut_piloter(user, contrat):
            raise PermissionDenied(pourquoi)
        return contrat


class ContratManager(NaturalKeyManager.from_queryset(ContratQuerySet)):
    pass


class Contrat(Versionne):
    """A contrat de ville, or another contractual frame of a territory (convention, CTG)."""

    class Nature(models.TextChoices):
        CONTRAT_DE_VILLE = "contrat_de_ville", "Contrat de ville"
        CONVENTION = "convention", "Convention"
        CTG = "ctg", "Convention territoriale globale"

    nom = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    nature = models.CharField("nature", max_length=30, choices=Nature.choices, default=Nature.CONTRAT_DE_VILLE)
    territoire = models.CharField("territoire", max_length=200)
    porteur = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contrats_portes",
        verbose_name="porteur (intercommunalité)",
    )
    annee_debut = models.PositiveSmallIntegerField("première année")
    annee_fin = models.PositiveSmallIntegerField("dernière année")
    annee_fin_prolongation = models.PositiveSmallIntegerField("prolongé jusqu'en", null=True, blank=True)
    date_signature = models.DateField("signé le", null=True, blank=True)
    # The contract names the levels of its strategy tree (the 2024 contracts: « Priorité / Objectif / Action »…).
    niveau_1 = models.CharField(
        "nom du premier niveau de l'arbre",
        max_length=60,
        default="Pilier",
        help_text="Au singulier : il précède l'intitulé (« Pilier Cadre de vie »), et titre la "
        "première colonne de l'annexe.",
    )
    niveau_2 = models.CharField(
        "nom du deuxième niveau",
        max_length=60,
        default="Orientations stratégiques",
        help_text="Tel qu'il titre sa colonne de l'annexe.",
    )
    niveau_3 = models.CharField(
        "nom du troisième niveau",
        max_length=60,
        default="Objectifs opérationnels",
        help_text="Tel qu'il titre sa colonne de l'annexe.",
    )
    donnees_publiques = models.BooleanField(
        "engagements publiés en données ouvertes",
        default=False,
        help_text="Coché : les engagements du contrat (CSV et JSON) se téléchargent sans connexion. Décoché : "
        "réservés aux membres du contrat.",
    )
    communes = models.ManyToManyField(Commune, blank=True, related_name="contrats", verbose_name="communes")
    quartiers = models.ManyToManyField(
        Quartier, through="PerimetreQuartier", blank=True, related_name="contrats", verbose_name="quartiers"
    )
    partenaires = models.ManyToManyField(
        Partenaire,
        blank=True,
        related_name="contrats_partenaires",
        verbose_name="partenaires du contrat",
        help_text="Les organisations que le chef de projet a ajoutées au contrat (en plus des signataires).",
    )

    objects = ContratManager()
    natural_key_lookups = ("slug",)
    suivi = Suivi(
        "contrat",
        (
            "nom",
            "slug",
            "nature",
            "territoire",
            "porteur_id",
            "annee_debut",
            "annee_fin",
            "annee_fin_prolongation",
            "date_signature",
            "niveau_1",
            "niveau_2",
            "niveau_3",
            "donnees_publiques",
        ),
        contrat="pk",
        m2m=("communes", "partenaires"),
    )

    class Meta:
        verbose_name = "contrat"
        ordering = ["nom"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(annee_fin__gte=models.F("annee_debut")),
                name="contrat_periode_ordonnee",
                violation_error_message="La dernière année doit suivre la première.",
            )
        ]

    def __str__(self):
        return self.nom

    def get_absolute_url(self):
        return reverse("contrat:detail", args=[self.slug])

    def natural_key(self):
        return (self.slug,)

    @property
    def annee_fin_effective(self):
        return self.annee_fin_prolongation or self.annee_fin

    @property
    def periode(self):
        texte = f"{self.annee_debut}-{self.annee_fin}"
        if self.annee_fin_prolongation:
            texte += f", prolongé jusqu'en {self.annee_fin_prolongation}"
        return texte


class PerimetreQuartier(Versionne):
    class Nature(models.TextChoices):
        PRIORITAIRE = "prioritaire", "Quartier prioritaire (QPV)"
        VEILLE = "veille", "Quartier de veille active"
        AUTRE = "autre", "Quartier"

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="perimetre", verbose_name="contrat")
    quartier = models.ForeignKey(Quartier, on_delete=models.PROTECT, related_name="perimetres", verbose_name="quartier")
    nature = models.CharField("nature", max_length=20, choices=Nature.choices)
    # What this contract says of the quartier lives here, not on the shared row: another contract
    # that holds the same quartier never sees it change (its code, its QPV of the official list).
    code = models.CharField(
        "code officiel",
        max_length=20,
        blank=True,
        help_text="Le code du quartier prioritaire tel que ce contrat le connaît, par exemple QN02101M.",
    )
    qpv = models.ForeignKey(
        QuartierPrioritaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="perimetres",
        verbose_name="quartier prioritaire de la liste officielle",
        help_text="Le QPV de la liste officielle que ce quartier est, ou qui lui succède dans ce "
        "contrat (un quartier de 2015 et son QPV de 2024).",
    )

    objects = NaturalKeyManager()
    natural_key_lookups = ("contrat__slug", "quartier__slug")
    suivi = Suivi(
        "perimetre",
        ("contrat_id", "quartier_id", "nature", "code", "qpv_id"),
        contrat="contrat_id",
        dossier=("contrat", "contrat_id"),
    )

    class Meta:
        verbose_name = "quartier du périmètre"
        verbose_name_plural = "quartiers du périmètre"
        ordering = ["nature", "quartier__commune__nom", "quartier__nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "quartier"],
                name="perimetre_unique",
                violation_error_message="Ce quartier figure déjà dans le périmètre du contrat.",
            )
        ]

    def __str__(self):
        return f"{self.quartier} — {self.get_nature_display()}"

    def natural_key(self):
        return (self.contrat.slug, self.quartier.slug)

    natural_key.dependencies = ["contrat.contrat", "contrat.quartier"]


class Document(Versionne):
    """A signed text of the contract: contrat cadre, annexe financière, protocole, convention."""

    class Nature(models.TextChoices):
        CONTRAT_CADRE = "contrat_cadre", "Contrat cadre"
        ANNEXE_FINANCIERE = "annexe_financiere", "Annexe financière"
        PROTOCOLE = "protocole", "Protocole"
        CONVENTION = "convention", "Convention"
        AUTRE = "autre", "Autre document"

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="documents", verbose_name="contrat")
    slug = models.SlugField("identifiant", max_length=80)
    nature = models.CharField("nature", max_length=30, choices=Nature.choices)
    titre = models.CharField("titre", max_length=300)
    annee_debut = models.PositiveSmallIntegerField("première année", null=True, blank=True)
    annee_fin = models.PositiveSmallIntegerField("dernière année", null=True, blank=True)
    date_signature = models.DateField("signé le", null=True, blank=True)
    description = models.TextField("description", blank=True)
    preambule = models.TextField(
        "préambule", blank=True, help_text="Tel que le document l'écrit ; une liste, une ligne « - » par point."
    )
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    fichier = models.FileField("document signé (PDF)", upload_to="documents/", blank=True)

    objects = NaturalKeyManager()
    natural_key_lookups = ("contrat__slug", "slug")
    suivi = Suivi(
        "document",
        (
            "contrat_id",
            "slug",
            "nature",
            "titre",
            "annee_debut",
            "annee_fin",
            "date_signature",
            "description",
            "preambule",
            "ordre",
            "fichier",
        ),
        contrat="contrat_id",
        dossier=("contrat", "contrat_id"),
    )

    class Meta:
        verbose_name = "document"
        ordering = ["contrat", "ordre", "titre"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "slug"],
                name="document_slug_unique",
                violation_error_message="Ce contrat a déjà un document avec cet identifiant.",
            )
        ]

    def __str__(self):
        return self.titre

    def natural_key(self):
        return (self.contrat.slug, self.slug)

    natural_key.dependencies = ["contrat.contrat"]

    @property
    def periode(self):
        if self.annee_debut and self.annee_fin and self.annee_fin != self.annee_debut:
            return f"{self.annee_debut}-{self.annee_fin}"
        return str(self.annee_debut or "")


class Signataire(Versionne):
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="signataires", verbose_name="document"
    )
    partenaire = models.ForeignKey(
        Partenaire, on_delete=models.PROTECT, related_name="signatures", verbose_name="partenaire"
    )
    representant = models.CharField("représenté par", max_length=200)
    qualite = models.CharField("qualité", max_length=300)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)

    objects = NaturalKeyManager()
    natural_key_lookups = ("document__contrat__slug", "document__slug", "partenaire__slug")
    suivi = Suivi(
        "signataire",
        ("document_id", "partenaire_id", "representant", "qualite", "ordre"),
        contrat="document.contrat_id",
        dossier=("contrat", "document.contrat_id"),
    )

    class Meta:
        verbose_name = "signataire"
        ordering = ["document", "ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "partenaire"],
                name="signataire_unique",
                violation_error_message="Ce partenaire signe déjà ce document.",
            )
        ]

    def __str__(self):
        return f"{self.partenaire} — {self.representant}, {self.qualite}"

    def natural_key(self):
        return (*self.document.natural_key(), self.partenaire.slug)

    natural_key.dependencies = ["contrat.document", "contrat.partenaire"]


class Pilier(Versionne):
    """First level of the strategy tree; `transversal` marks the enjeux transversaux."""

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="piliers", verbose_name="contrat")
    slug = models.SlugField("identifiant", max_length=80)
    code = models.CharField("code", max_length=20, blank=True)
    intitule = models.CharField("intitulé", max_length=300)
    transversal = models.BooleanField("enjeux transversaux", default=False)
    # What the document says of the pilier (an axe's narrative, its sub-axes) before its lines or fiches.
    presentation = models.TextField(
        "présentation",
        blank=True,
        help_text="Ce que le document dit de ce pilier ou de cet axe, avant ses lignes ou ses fiches.",
    )
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    archive = models.BooleanField(
        "archivé", default=False, help_text="Un élément archivé n'est plus proposé aux nouvelles lignes."
    )

    objects = NaturalKeyManager()
    natural_key_lookups = ("contrat__slug", "slug")
    suivi = Suivi(
        "pilier",
        ("contrat_id", "slug", "code", "intitule", "transversal", "presentation", "ordre", "archive"),
        contrat="contrat_id",
        dossier=("contrat", "contrat_id"),
    )

    class Meta:
        verbose_name = "pilier"
        ordering = ["contrat", "ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "slug"],
                name="pilier_slug_unique",
                violation_error_message="Ce contrat a déjà un pilier avec cet identifiant.",
            )
        ]

    def __str__(self):
        return self.libelle

    def natural_key(self):
        return (self.contrat.slug, self.slug)

    natural_key.dependencies = ["contrat.contrat"]

    @property
    def libelle(self):
        # The annexe writes "Pilier Cadre de vie des habitants" but "Enjeux transversaux"; the contract
        # names its first level (read with the pilier: select_related("contrat") where piliers are listed).
        return self.intitule if self.transversal else f"{self.contrat.niveau_1} {self.intitule}"


# The note of the orientation that holds the objectifs of a pilier the document gives none (enjeux transversaux).
ORIENTATION_TECHNIQUE = (
    "Orientation technique : le document ne nomme pas d'orientation pour ce pilier ; "
    "elle porte ses objectifs et ne s'imprime pas dans l'annexe."
)


class Orientation(Versionne):
    pilier = models.ForeignKey(Pilier, on_delete=models.CASCADE, related_name="orientations", verbose_name="pilier")
    slug = models.SlugField("identifiant", max_length=80)
    code = models.CharField("code", max_length=20, blank=True)
    intitule = models.CharField("intitulé", max_length=300)
    description = models.TextField("note", blank=True)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    archive = models.BooleanField(
        "archivé", default=False, help_text="Un élément archivé n'est plus proposé aux nouvelles lignes."
    )

    objects = NaturalKeyManager()
    natural_key_lookups = ("pilier__contrat__slug", "pilier__slug", "slug")
    suivi = Suivi(
        "orientation",
        ("pilier_id", "slug", "code", "intitule", "description", "ordre", "archive"),
        contrat="pilier.contrat_id",
        dossier=("contrat", "pilier.contrat_id"),
    )

    class Meta:
        verbose_name = "orientation stratégique"
        verbose_name_plural = "orientations stratégiques"
        ordering = ["pilier", "ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilier", "slug"],
                name="orientation_slug_unique",
                violation_error_message="Ce pilier a déjà une orientation avec cet identifiant.",
            )
        ]

    def __str__(self):
        return self.libelle

    def natural_key(self):
        return (*self.pilier.natural_key(), self.slug)

    natural_key.dependencies = ["contrat.pilier"]

    @property
    def libelle(self):
        return f"{self.code} - {self.intitule}" if self.code else self.intitule


class Objectif(Versionne):
    orientation = models.ForeignKey(
        Orientation, on_delete=models.CASCADE, related_name="objectifs", verbose_name="orientation stratégique"
    )
    slug = models.SlugField("identifiant", max_length=80)
    code = models.CharField("code", max_length=20, blank=True)
    intitule = models.CharField("intitulé", max_length=300)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    archive = models.BooleanField(
        "archivé", default=False, help_text="Un élément archivé n'est plus proposé aux nouvelles lignes."
    )

    objects = NaturalKeyManager()
    natural_key_lookups = (
        "orientation__pilier__contrat__slug",
        "orientation__pilier__slug",
        "orientation__slug",
        "slug",
    )
    suivi = Suivi(
        "objectif",
        ("orientation_id", "slug", "code", "intitule", "ordre", "archive"),
        contrat="orientation.pilier.contrat_id",
        dossier=("contrat", "orientation.pilier.contrat_id"),
    )

    class Meta:
        verbose_name = "objectif opérationnel"
        verbose_name_plural = "objectifs opérationnels"
        ordering = ["orientation", "ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["orientation", "slug"],
                name="objectif_slug_unique",
                violation_error_message="Cette orientation a déjà un objectif avec cet identifiant.",
            )
        ]

    def __str__(self):
        return self.libelle

    def natural_key(self):
        return (*self.orientation.natural_key(), self.slug)

    natural_key.dependencies = ["contrat.orientation"]

    @property
    def libelle(self):
        return f"{self.code}) {self.intitule}" if self.code else self.intitule

    nom_court = libelle


class Membre(Versionne):
    """A user's role in a partner organisation (les emplois' memberships, soft-deactivated)."""

    class Role(models.TextChoices):
        AGENT = "agent", "Agent (saisit les engagements de son organisation)"
        CHEF_DE_PROJET = "chef_de_projet", "Chef de projet du contrat"
        LECTEUR = "lecteur", "Lecteur"

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="membres", verbose_name="compte")
    partenaire = models.ForeignKey(
        Partenaire, on_delete=models.CASCADE, related_name="membres", verbose_name="organisation"
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    contrat = models.ForeignKey(
        Contrat,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chefs_de_projet",
        verbose_name="contrat piloté",
        help_text="Obligatoire pour un chef de projet.",
    )
    actif = models.BooleanField("actif", default=True)

    # Written through the write service when it belongs to a contract (invitation, revocation).
    suivi = Suivi(
        "membre",
        ("user_id", "partenaire_id", "role", "contrat_id", "actif"),
        contrat="contrat_id",
        dossier=("contrat", "contrat_id"),
    )

    class Meta:
        verbose_name = "membre d'une organisation"
        verbose_name_plural = "membres des organisations"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partenaire", "role", "contrat"],
                name="membre_unique",
                violation_error_message="Ce compte a déjà ce rôle dans cette organisation.",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="chef_de_projet") | models.Q(contrat__isnull=False),
                name="chef_de_projet_a_un_contrat",
                violation_error_message="Un chef de projet pilote un contrat : choisissez-le.",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.partenaire.sigle})"


class Invitation(Versionne):
    """An invitation to take a role in a contract, sent by e-mail with a single-use link valid 7 days.

    The link carries the invitation's id and its `jeton`, signed with the time of sending: sending
    it again draws a new `jeton` (the older link dies), accepting or revoking it closes it."""

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="invitations", verbose_name="contrat")
    email = models.EmailField("adresse électronique")
    role = models.CharField("rôle", max_length=20, choices=Membre.Role.choices)
    partenaire = models.ForeignKey(
        Partenaire, on_delete=models.PROTECT, related_name="invitations", verbose_name="organisation"
    )
    jeton = models.CharField("jeton", max_length=64, editable=False)
    envoyee_le = models.DateTimeField("envoyée le", null=True, blank=True)
    acceptee_le = models.DateTimeField("acceptée le", null=True, blank=True)
    revoquee = models.BooleanField("révoquée", default=False)
    user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations", verbose_name="compte"
    )

    suivi = Suivi(
        "invitation",
        ("contrat_id", "email", "role", "partenaire_id", "envoyee_le", "acceptee_le", "revoquee", "user_id"),
        contrat="contrat_id",
        dossier=("contrat", "contrat_id"),
    )

    class Meta:
        verbose_name = "invitation"
        ordering = ["-pk"]
        constraints = [
            # One pending link per person, role, organisation and contract: whatever route writes it.
            models.UniqueConstraint(
                fields=["email", "role", "partenaire", "contrat"],
                condition=models.Q(acceptee_le__isnull=True, revoquee=False),
                name="invitation_une_seule_en_attente",
                violation_error_message="Une invitation est déjà en attente pour cette adresse avec ce rôle : "
                "renvoyez-la plutôt, son nouveau lien remplacera l'ancien.",
            ),
        ]

    def __str__(self):
        return f"{self.email} — {self.get_role_display()} ({self.contrat})"

    @property
    def role_court(self):
        """« agent », « lecteur », « chef de projet du contrat »: the role without its explanation (a mail subject)."""
        return self.get_role_display().split(" (")[0].lower()

    @property
    def en_attente(self):
        return self.acceptee_le is None and not self.revoquee


class HabilitationQuerySet(models.QuerySet):
    def actives(self):
        return self.filter(acceptee_le__isnull=False, revoquee=False)


class Habilitation(Versionne):
    """A role across contracts, to read, never to write: a State service over a département, a région or the
    nation (préfecture or DDETS, SGAR or DREETS, ANCT), or the direction of a partner network over its own
    lines in every contract it is partner of. Given by invitation (a single-use link, as a contract's roles)
    by an administrateur or the holder of a wider role; active once accepted, until revoked."""

    class Niveau(models.TextChoices):
        DEPARTEMENT = "departement", "Département (préfecture, DDETS)"
        REGION = "region", "Région (SGAR, DREETS)"
        NATION = "nation", "Nation (ANCT)"
        RESEAU = "reseau", "Réseau d'une organisation (sa direction)"

    email = models.EmailField("adresse électronique")
    niveau = models.CharField("portée", max_length=20, choices=Niveau.choices)
    code = models.CharField("code officiel", max_length=3, blank=True, help_text="Du département ou de la région.")
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="habilitations",
        verbose_name="organisation",
        help_text="Pour le réseau d'une organisation : ses lignes dans tous ses contrats.",
    )
    service = models.CharField("service", max_length=200, blank=True, help_text="« DDETS de la Côte-d'Or ».")
    jeton = models.CharField("jeton", max_length=64, editable=False)
    envoyee_le = models.DateTimeField("envoyée le", null=True, blank=True)
    acceptee_le = models.DateTimeField("acceptée le", null=True, blank=True)
    revoquee = models.BooleanField("révoquée", default=False)
    user = models.ForeignKey(
        "auth.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="habilitations",
        verbose_name="compte",
    )

    objects = HabilitationQuerySet.as_manager()
    # A role of no contract: its history and its mails are filed under contract 0.
    hors_contrat = 0
    suivi = Suivi(
        "habilitation",
        ("email", "niveau", "code", "partenaire_id", "service", "envoyee_le", "acceptee_le", "revoquee", "user_id"),
        contrat="hors_contrat",
    )

    class Meta:
        verbose_name = "habilitation sur plusieurs contrats"
        verbose_name_plural = "habilitations sur plusieurs contrats"
        ordering = ["niveau", "code", "email"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(niveau__in=["departement", "region"]) | ~models.Q(code=""),
                name="habilitation_territoire_a_un_code",
                violation_error_message="Indiquez le code du département ou de la région.",
            ),
            models.CheckConstraint(
                condition=~models.Q(niveau="reseau") | models.Q(partenaire__isnull=False),
                name="habilitation_reseau_a_une_organisation",
                violation_error_message="Choisissez l'organisation dont le réseau lit les lignes.",
            ),
            # One role (or pending invitation) per address and territory, per address and network; split in two
            # so that no nullable column is compared (NULLs never collide in a unique index).
            models.UniqueConstraint(
                fields=["email", "niveau", "code"],
                condition=models.Q(revoquee=False, partenaire__isnull=True),
                name="habilitation_unique",
                violation_error_message="Cette adresse a déjà ce rôle (ou une invitation en attente pour lui).",
            ),
            models.UniqueConstraint(
                fields=["email", "partenaire"],
                condition=models.Q(revoquee=False, partenaire__isnull=False),
                name="habilitation_reseau_unique",
                violation_error_message="Cette adresse a déjà ce rôle (ou une invitation en attente pour lui).",
            ),
        ]

    def __str__(self):
        return f"{self.email} — {self.portee}"

    @property
    def portee(self):
        """« Département 21 — Côte-d'Or », « Région 27 — Bourgogne-Franche-Comté », « Nation », « Réseau de la CAF »."""
        if self.niveau == self.Niveau.DEPARTEMENT:
            return f"Département {self.code} — {territoires.nom_departement(self.code)}"
        if self.niveau == self.Niveau.REGION:
            return f"Région {self.code} — {territoires.nom_region(self.code)}"
        if self.niveau == self.Niveau.RESEAU:
            return f"Réseau : {self.partenaire.nom if self.partenaire_id else '—'}"
        return "Toute la France (ANCT)"

    @property
    def active(self):
        return self.acceptee_le is not None and not self.revoquee

    @property
    def en_attente(self):
        return self.acceptee_le is None and not self.revoquee


@receiver(pre_save, sender=Commune)
def _completer_commune(sender, instance, **kwargs):
    # loaddata calls no save() of ours: the fixtures' communes get their département and région here.
    instance.completer()
