"""Fiches actions, opérationnelles and projet: one model for the three shapes of the sources.

Texts keep the layout of the source with a light convention read by the
`blocs` filter: one paragraph a line, a line starting with "- " is a list item,
"  - " an item of a nested list. Ordered lists (objectifs opérationnels,
résultats attendus) are one item a line.
"""

from django.db import models
from django.urls import reverse

from contrat.models import Commune, Contrat, Document, Objectif, Orientation, Partenaire, Pilier, Quartier
from engagements.models import AIDE_CIBLE, AIDE_INDICATEUR
from noyau.historique import Suivi
from noyau.modeles import NaturalKeyManager, Versionne


class FicheQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contrat__in=Contrat.objects.visible_to(user))

    def du_partenaire(self, partenaire):
        """Fiches where the partner appears in any role or with an engagement."""
        return self.filter(
            models.Q(intervenants__partenaire=partenaire) | models.Q(engagements__partenaire=partenaire)
        ).distinct()

    def recherche(self, texte):
        q = models.Q()
        for champ in (
            "numero",
            "intitule",
            "constats",
            "objectif_general",
            "objectifs_operationnels",
            "description",
            "public",
            "resultats",
        ):
            q |= models.Q(**{f"{champ}__icontains": texte})
        return self.filter(q)


class FicheManager(NaturalKeyManager.from_queryset(FicheQuerySet)):
    pass


class Fiche(Versionne):
    class Forme(models.TextChoices):
        OPERATIONNELLE = "operationnelle", "Fiche opérationnelle"
        ACTION = "action", "Fiche action"
        PROJET = "projet", "Fiche projet"

    class Statut(models.TextChoices):
        A_VENIR = "a_venir", "À venir"
        EN_COURS = "en_cours", "En cours"
        REALISE = "realise", "Réalisé"
        EN_RETARD = "en_retard", "En retard"
        ABANDONNE = "abandonne", "Abandonné"

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="fiches", verbose_name="contrat")
    document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fiches",
        verbose_name="document source",
    )
    slug = models.SlugField("identifiant", max_length=80)
    forme = models.CharField("type de fiche", max_length=20, choices=Forme.choices)
    numero = models.CharField("numéro", max_length=80, help_text="Tel que dans le document : « n°1-1 », « FICHE 3 »…")
    intitule = models.CharField("intitulé", max_length=500)
    ordre = models.PositiveIntegerField("ordre", default=0)
    pilier = models.ForeignKey(
        Pilier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fiches",
        verbose_name="pilier / section / axe",
    )
    orientation = models.ForeignKey(
        Orientation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fiches",
        verbose_name="enjeu stratégique / orientation",
    )
    objectifs = models.ManyToManyField(Objectif, blank=True, related_name="fiches", verbose_name="objectifs")
    constats = models.TextField("constats", blank=True)
    echelle = models.TextField("échelle d'intervention", blank=True)
    quartiers = models.ManyToManyField(Quartier, blank=True, related_name="fiches", verbose_name="quartiers")
    communes = models.ManyToManyField(Commune, blank=True, related_name="fiches", verbose_name="communes")
    objectif_general = models.TextField("objectif(s) général(aux)", blank=True)
    objectifs_operationnels = models.TextField(
        "objectifs opérationnels", blank=True, help_text="Un objectif par ligne."
    )
    description = models.TextField("description", blank=True)
    public = models.TextField("public concerné", blank=True)
    annee_debut = models.PositiveSmallIntegerField("début (année)", null=True, blank=True)
    annee_fin = models.PositiveSmallIntegerField("fin (année)", null=True, blank=True)
    calendrier = models.TextField("calendrier de mise en œuvre", blank=True, help_text="Une phase par ligne.")
    resultats = models.TextField("résultats attendus", blank=True, help_text="Un résultat par ligne.")
    notes = models.TextField("notes du document", blank=True)
    statut = models.CharField("statut", max_length=20, choices=Statut.choices, blank=True)

    suivi = Suivi(
        "fiche",
        (
            "contrat_id",
            "numero",
            "intitule",
            "pilier_id",
            "orientation_id",
            "constats",
            "echelle",
            "objectif_general",
            "objectifs_operationnels",
            "description",
            "public",
            "annee_debut",
            "annee_fin",
            "calendrier",
            "resultats",
            "statut",
        ),
        contrat="contrat_id",
        m2m=("objectifs", "quartiers"),
        # The fiche's own lists, read as its page shows them: they change with the whole-fiche form.
        listes=lambda fiche: {
            "partenaires": [f"{i.get_role_display()} : {i.nom}" for i in fiche.intervenants.order_by("ordre", "pk")],
            "indicateurs": [i.libelle for i in fiche.indicateurs.order_by("ordre", "pk")],
        },
        libelles={"partenaires": "partenaires", "indicateurs": "indicateurs"},
    )

    objects = FicheManager()
    natural_key_lookups = ("contrat__slug", "slug")

    class Meta:
        verbose_name = "fiche"
        ordering = ["contrat", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "slug"],
                name="fiche_slug_unique",
                violation_error_message="Une fiche de ce contrat porte déjà cet identifiant.",
            ),
            models.CheckConstraint(
                condition=models.Q(annee_fin__isnull=True)
                | models.Q(annee_debut__isnull=True)
                | models.Q(annee_fin__gte=models.F("annee_debut")),
                name="fiche_calendrier_ordonne",
                violation_error_message="L'année de fin doit suivre l'année de début.",
            ),
        ]

    def __str__(self):
        return f"{self.numero} : {self.intitule}"

    def get_absolute_url(self):
        return reverse("fiches:detail", args=[self.pk])

    def natural_key(self):
        return (self.contrat.slug, self.slug)

    natural_key.dependencies = ["contrat.contrat", "contrat.orientation", "contrat.document"]

    @property
    def titre(self):
        """« Fiche opérationnelle n°1-1 », « FICHE 3 », « Axe 1 — fiche projet n°2 »: the type once."""
        if "fiche" in self.numero.lower():
            return self.numero
        return f"{self.get_forme_display()} {self.numero}"

    @property
    def section(self):
        """What the running header of the recueil names: the enjeu, or else the pilier / axe."""
        if self.orientation_id:
            return self.orientation
        return self.pilier

    def porteurs(self):
        return [i for i in self.intervenants.all() if i.role == Intervenant.Role.PORTEUR]

    def par_role(self):
        """[(role label, [intervenants])] in the order of the source, without porteurs."""
        roles = []
        for role in (Intervenant.Role.FINANCEUR, Intervenant.Role.OPERATEUR, Intervenant.Role.MOBILISE):
            membres = [i for i in self.intervenants.all() if i.role == role]
            if membres:
                roles.append((role.label, membres))
        return roles

    def dispositifs_par_groupe(self):
        """[(groupe, rows, réserves)]: the rows under each heading as the fiche lists them, with what
        their document says of the partners' dispositifs (« à titre indicatif… »)."""
        reserves = {r.partenaire_id: r.texte for r in self.document.reserves.all()} if self.document_id else {}
        groupes = []
        for ligne in self.dispositifs_mobilises.all():
            if not groupes or groupes[-1][0] != ligne.groupe:
                groupes.append((ligne.groupe, [], []))
            groupes[-1][1].append(ligne)
            texte = reserves.get(ligne.partenaire_id)
            if texte and texte not in groupes[-1][2]:
                groupes[-1][2].append(texte)
        return groupes


class Enfant(models.Model):
    """Rows of a fiche, kept in the source's order; natural key (contract, fiche, rank)."""

    ordre = models.PositiveIntegerField("ordre", default=0)
    natural_key_lookups = ("fiche__contrat__slug", "fiche__slug", "ordre")

    class Meta:
        abstract = True
        ordering = ["ordre", "pk"]

    def natural_key(self):
        return (self.fiche.contrat.slug, self.fiche.slug, self.ordre)

    natural_key.dependencies = ["fiches.fiche"]


class Intervenant(Enfant):
    class Role(models.TextChoices):
        PORTEUR = "porteur", "Porteur du projet"
        FINANCEUR = "financeur", "Partenaires financeurs"
        OPERATEUR = "operateur", "Partenaires opérateurs"
        MOBILISE = "mobilise", "Partenaires mobilisés"

    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="intervenants", verbose_name="fiche")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    nom = models.CharField("nom (tel que dans la fiche)", max_length=300)
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intervenants",
        verbose_name="organisation",
        help_text="Quand le nom désigne un partenaire connu de l'application.",
    )

    objects = NaturalKeyManager()

    class Meta(Enfant.Meta):
        verbose_name = "partenaire de la fiche"
        verbose_name_plural = "partenaires de la fiche"
        constraints = [models.UniqueConstraint(fields=["fiche", "ordre"], name="intervenant_ordre_unique")]

    def __str__(self):
        return self.nom


class EngagementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(fiche__in=Fiche.objects.visible_to(user))


class EngagementManager(NaturalKeyManager.from_queryset(EngagementQuerySet)):
    pass


class Engagement(Enfant, Versionne):
    """What one partner commits to in a fiche, as the fiche words it."""

    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="engagements", verbose_name="fiche")
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="engagements_fiches",
        verbose_name="partenaire",
        help_text="Vide pour un engagement commun à plusieurs partenaires.",
    )
    libelle = models.CharField("partenaire(s) (tel que dans la fiche)", max_length=300, blank=True)
    texte = models.TextField("engagement", blank=True)
    montant = models.DecimalField(
        "montant (€)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Seulement quand la fiche l'indique ; vide si inconnu.",
    )
    indicateur = models.CharField("mesure (indicateur)", max_length=300, blank=True, help_text=AIDE_INDICATEUR)
    cible = models.CharField("cible", max_length=200, blank=True, help_text=AIDE_CIBLE)

    objects = EngagementManager()
    suivi = Suivi(
        "engagement",
        ("fiche_id", "partenaire_id", "libelle", "texte", "montant", "indicateur", "cible"),
        contrat="fiche.contrat_id",
        dossier=("fiche", "fiche_id"),
        en_euros=("montant",),
    )

    class Meta(Enfant.Meta):
        verbose_name = "engagement de partenaire"
        verbose_name_plural = "engagements des partenaires"
        constraints = [models.UniqueConstraint(fields=["fiche", "ordre"], name="engagement_fiche_ordre_unique")]

    def __str__(self):
        return self.libelle or (self.partenaire.nom if self.partenaire else "Engagement")

    @property
    def nom(self):
        return self.libelle or (self.partenaire.nom if self.partenaire else "")


class DispositifMobilise(Enfant):
    """A dispositif associated with a fiche, grouped by the partner that runs it."""

    fiche = models.ForeignKey(
        Fiche, on_delete=models.CASCADE, related_name="dispositifs_mobilises", verbose_name="fiche"
    )
    groupe = models.CharField(
        "groupe (tel que dans la fiche)",
        max_length=300,
        blank=True,
        help_text="« Dispositifs de l'État », « Dispositifs de la CAF »…",
    )
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispositifs_mobilises",
        verbose_name="partenaire qui le met en œuvre",
    )
    dispositif = models.ForeignKey(
        "engagements.Dispositif",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fiches_liees",
        verbose_name="dispositif de l'annexe financière",
    )
    autres_partenaires = models.ManyToManyField(
        Partenaire,
        blank=True,
        related_name="dispositifs_mobilises_avec",
        verbose_name="avec",
        help_text="Un dispositif que plusieurs organisations portent ensemble (la Caisse des dépôts avec la Région).",
    )
    texte = models.TextField("dispositif")

    objects = NaturalKeyManager()

    class Meta(Enfant.Meta):
        verbose_name = "dispositif mobilisable"
        verbose_name_plural = "dispositifs mobilisables"
        constraints = [models.UniqueConstraint(fields=["fiche", "ordre"], name="dispositif_mobilise_ordre_unique")]

    def __str__(self):
        return self.texte


class Reserve(models.Model):
    """What a document says of one partner's dispositifs as a whole (« mentionnés à titre indicatif,
    ils ne constituent pas des engagements de la Région »): shown wherever those rows are."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reserves", verbose_name="document")
    partenaire = models.ForeignKey(
        Partenaire, on_delete=models.PROTECT, related_name="reserves", verbose_name="partenaire"
    )
    texte = models.TextField("réserve (telle que dans le document)")

    objects = NaturalKeyManager()
    natural_key_lookups = ("document__contrat__slug", "document__slug", "partenaire__slug")

    class Meta:
        verbose_name = "réserve d'un partenaire"
        verbose_name_plural = "réserves des partenaires"
        constraints = [models.UniqueConstraint(fields=["document", "partenaire"], name="reserve_unique")]

    def __str__(self):
        return self.texte[:80]

    def natural_key(self):
        return (*self.document.natural_key(), self.partenaire.slug)

    natural_key.dependencies = ["contrat.document", "contrat.partenaire"]


class IndicateurQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(fiche__in=Fiche.objects.visible_to(user))


class IndicateurManager(NaturalKeyManager.from_queryset(IndicateurQuerySet)):
    pass


class Indicateur(Enfant):
    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="indicateurs", verbose_name="fiche")
    groupe = models.CharField(
        "résultat mesuré",
        max_length=500,
        blank=True,
        help_text="Le résultat attendu auquel se rattache l'indicateur, quand la fiche le dit.",
    )
    libelle = models.CharField("indicateur", max_length=500)
    unite = models.CharField("unité", max_length=60, blank=True)
    valeur_reference = models.DecimalField(
        "valeur de référence", max_digits=14, decimal_places=2, null=True, blank=True
    )
    annee_reference = models.PositiveSmallIntegerField("année de référence", null=True, blank=True)
    cible = models.DecimalField("cible", max_digits=14, decimal_places=2, null=True, blank=True)
    annee_cible = models.PositiveSmallIntegerField("année de la cible", null=True, blank=True)

    objects = IndicateurManager()

    class Meta(Enfant.Meta):
        verbose_name = "indicateur"
        constraints = [models.UniqueConstraint(fields=["fiche", "ordre"], name="indicateur_ordre_unique")]

    def __str__(self):
        return self.libelle


class Mesure(Versionne):
    """The value an indicator reached in a year; NULL when not measured."""

    indicateur = models.ForeignKey(
        Indicateur, on_delete=models.CASCADE, related_name="mesures", verbose_name="indicateur"
    )
    annee = models.PositiveSmallIntegerField("année")
    valeur = models.DecimalField("valeur mesurée", max_digits=14, decimal_places=2, null=True, blank=True)
    commentaire = models.TextField("commentaire", blank=True)

    suivi = Suivi(
        "mesure",
        ("indicateur_id", "annee", "valeur", "commentaire"),
        contrat="indicateur.fiche.contrat_id",
        dossier=("fiche", "indicateur.fiche_id"),
    )

    class Meta:
        verbose_name = "valeur mesurée"
        verbose_name_plural = "valeurs mesurées"
        ordering = ["annee"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicateur", "annee"],
                name="mesure_annee_unique",
                violation_error_message="Une valeur existe déjà pour cet indicateur et cette année.",
            )
        ]

    def __str__(self):
        return f"{self.indicateur} {self.annee}"


class Equipement(models.Model):
    """An équipement or service a convention supports (CTG annexes 2 and 2 bis)."""

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="equipements", verbose_name="contrat")
    annexe = models.CharField("annexe", max_length=20)
    ordre = models.PositiveIntegerField("ordre", default=0)
    type = models.CharField("type", max_length=120)
    nom = models.CharField("nom", max_length=300)
    adresse = models.CharField("adresse", max_length=300, blank=True)
    gestionnaire = models.CharField("gestionnaire", max_length=300, blank=True)
    bonus_territoire = models.BooleanField("bonus territoire", null=True, blank=True)

    objects = NaturalKeyManager()
    natural_key_lookups = ("contrat__slug", "annexe", "ordre")

    class Meta:
        verbose_name = "équipement ou service"
        verbose_name_plural = "équipements et services"
        ordering = ["contrat", "annexe", "ordre"]
        constraints = [models.UniqueConstraint(fields=["contrat", "annexe", "ordre"], name="equipement_ordre_unique")]

    def __str__(self):
        return self.nom

    def natural_key(self):
        return (self.contrat.slug, self.annexe, self.ordre)

    natural_key.dependencies = ["contrat.contrat"]
