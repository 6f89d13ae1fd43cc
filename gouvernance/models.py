"""Governance: the bodies of a contract, their rhythm held as data, their meetings and decisions."""

from django.db import models
from django.urls import reverse

from contrat.models import Contrat, Document, Partenaire
from noyau.historique import Suivi
from noyau.modeles import NaturalKeyManager


class InstanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contrat__in=Contrat.objects.visible_to(user))


class InstanceManager(NaturalKeyManager.from_queryset(InstanceQuerySet)):
    pass


class Instance(models.Model):
    """A body that meets: comité de pilotage, MOUS, groupe technique…"""

    class Nature(models.TextChoices):
        COMITE_PILOTAGE = "comite_pilotage", "Comité de pilotage"
        COMITE_TECHNIQUE = "comite_technique", "Comité technique"
        MOUS = "mous", "Maîtrise d'ouvrage urbaine et sociale (MOUS)"
        GROUPE_TECHNIQUE = "groupe_technique", "Groupe technique"
        REUNION_ELUS = "reunion_elus", "Réunion des élus"
        CONSEIL_CITOYEN = "conseil_citoyen", "Conseil citoyen"
        COMITE_SUIVI = "comite_suivi", "Comité de suivi"
        COMITE_FINANCEURS = "comite_financeurs", "Comité des financeurs"
        SEMINAIRE = "seminaire", "Séminaire"
        AUTRE = "autre", "Autre"

    class Colonne(models.TextChoices):
        ETAT = "etat", "État"
        COLLECTIVITES = "collectivites", "Collectivités"
        CONSEILS_CITOYENS = "conseils_citoyens", "Conseils citoyens"
        COPILOTAGE = "copilotage", "Copilotage"

    class Formation(models.TextChoices):
        RESTREINTE = "restreinte", "Restreinte"
        ELARGIE = "elargie", "Élargie"

    class Periode(models.TextChoices):
        MOIS = "mois", "mois"
        DEUX_MOIS = "deux_mois", "2 mois"
        TRIMESTRE = "trimestre", "trimestre"
        SEMESTRE = "semestre", "semestre"
        ANNEE = "annee", "an"
        DEUX_ANS = "deux_ans", "2 ans"

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="instances", verbose_name="contrat")
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="instances",
                                 verbose_name="document qui l'institue")
    slug = models.SlugField("identifiant", max_length=80)
    nom = models.CharField("nom", max_length=200)
    nature = models.CharField("nature", max_length=30, choices=Nature.choices)
    colonne = models.CharField("colonne du schéma de gouvernance", max_length=30, choices=Colonne.choices, blank=True)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="sous_instances",
                               verbose_name="instance parente")
    formation = models.CharField("formation", max_length=20, choices=Formation.choices, blank=True)
    missions = models.TextField("missions", blank=True, help_text="Une mission par ligne, dans l'ordre.")
    composition = models.TextField("composition (telle que dans le document)", blank=True)
    # The rhythm as data: `frequence` (to `frequence_max`) meetings a `periode`, in the preferred
    # months if any ("10" = October; "3-4,11-12" = March/April and November/December).
    frequence = models.PositiveSmallIntegerField("nombre de réunions", null=True, blank=True)
    frequence_max = models.PositiveSmallIntegerField("au plus", null=True, blank=True)
    periode = models.CharField("par", max_length=20, choices=Periode.choices, blank=True)
    mois = models.CharField("mois préférés", max_length=60, blank=True,
                            help_text="« 10 » pour octobre ; « 3-4,11-12 » pour mars/avril et novembre/décembre.")
    duree = models.CharField("durée", max_length=60, blank=True, help_text="Par exemple « ½ journée ».")
    selon_besoins = models.BooleanField("se réunit selon les besoins", default=False)
    rythme_source = models.CharField("rythme (texte du document)", max_length=300, blank=True)
    ordre = models.PositiveIntegerField("ordre", default=0)
    version = models.PositiveIntegerField("version", default=1, editable=False)

    objects = InstanceManager()
    natural_key_lookups = ("contrat__slug", "slug")
    suivi = Suivi(
        "instance", ("contrat_id", "document_id", "slug", "nom", "nature", "colonne", "parent_id", "formation", "missions",
                     "composition", "frequence", "frequence_max", "periode", "mois", "duree", "selon_besoins",
                     "rythme_source", "ordre"),
        contrat="contrat_id", dossier=("gouvernance", "contrat_id"),
        listes=lambda instance: {"membres": [str(m) for m in instance.membres.order_by("ordre", "pk")]},
        libelles={"membres": "membres"},
    )

    class Meta:
        verbose_name = "instance de gouvernance"
        verbose_name_plural = "instances de gouvernance"
        ordering = ["contrat", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contrat", "slug"], name="instance_slug_unique",
                                    violation_error_message="Une instance de ce contrat porte déjà cet identifiant."),
            models.CheckConstraint(
                condition=models.Q(frequence_max__isnull=True) | models.Q(frequence__isnull=True)
                | models.Q(frequence_max__gte=models.F("frequence")),
                name="instance_frequence_ordonnee",
                violation_error_message="Le nombre maximal de réunions doit dépasser le nombre minimal.",
            ),
        ]

    def __str__(self):
        return self.nom

    def natural_key(self):
        return (self.contrat.slug, self.slug)

    natural_key.dependencies = ["contrat.contrat", "contrat.document"]

    def get_absolute_url(self):
        return reverse("gouvernance:page", args=[self.contrat.slug]) + f"#instance-{self.pk}"

    def liste_missions(self):
        return [m.strip() for m in self.missions.splitlines() if m.strip()]

    @property
    def rythme(self):
        from .rythmes import en_mots

        return en_mots(self)


class Membre(models.Model):
    """Who sits in an instance: a partner, a named function, or both; presidents first."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="membres", verbose_name="instance")
    ordre = models.PositiveIntegerField("ordre", default=0)
    partenaire = models.ForeignKey(Partenaire, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="sieges", verbose_name="organisation")
    fonction = models.CharField("fonction", max_length=300, blank=True,
                                help_text="« le Préfet de la Côte-d'Or ou son représentant »")
    preside = models.BooleanField("préside ou copréside", default=False)

    objects = NaturalKeyManager()
    natural_key_lookups = ("instance__contrat__slug", "instance__slug", "ordre")

    class Meta:
        verbose_name = "membre d'une instance"
        verbose_name_plural = "membres des instances"
        ordering = ["-preside", "ordre", "pk"]
        constraints = [models.UniqueConstraint(fields=["instance", "ordre"], name="membre_instance_ordre_unique")]

    def __str__(self):
        return self.fonction or (self.partenaire.nom if self.partenaire else "")

    @property
    def designation(self):
        """The function with its organisation (« le Maire — Ville de Chenôve »): five mayors sit in one body."""
        if self.fonction and self.partenaire_id:
            return f"{self.fonction} — {self.partenaire.nom}"
        return str(self)

    def natural_key(self):
        return (self.instance.contrat.slug, self.instance.slug, self.ordre)

    natural_key.dependencies = ["gouvernance.instance"]


class SeanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(instance__in=Instance.objects.visible_to(user))


class Seance(models.Model):
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="seances", verbose_name="instance")
    date = models.DateField("date")
    heure = models.TimeField("heure", null=True, blank=True)
    lieu = models.CharField("lieu", max_length=300, blank=True)
    ordre_du_jour = models.TextField("ordre du jour", blank=True, help_text="Un point par ligne.")
    compte_rendu = models.TextField("compte rendu", blank=True)
    fichier = models.FileField("compte rendu (fichier)", upload_to="seances/%Y/", blank=True,
                               help_text="PDF, traitement de texte ou tableur, 10 Mo au plus.")
    version = models.PositiveIntegerField("version", default=1, editable=False)

    objects = SeanceQuerySet.as_manager()
    suivi = Suivi(
        "seance", ("instance_id", "date", "heure", "lieu", "ordre_du_jour", "compte_rendu", "fichier"),
        contrat="instance.contrat_id",
        listes=lambda seance: {"presences": [str(p) for p in seance.presences.order_by("pk")]},
        libelles={"presences": "présences"},
    )

    class Meta:
        verbose_name = "séance"
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.instance} du {self.date:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("gouvernance:seance", args=[self.pk])

    def points(self):
        return [p.strip() for p in self.ordre_du_jour.splitlines() if p.strip()]


class Presence(models.Model):
    """Who was invited to a meeting, and whether they came or sent apologies."""

    class Etat(models.TextChoices):
        INVITE = "invite", "Invité"
        PRESENT = "present", "Présent"
        EXCUSE = "excuse", "Excusé"

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="presences", verbose_name="séance")
    membre = models.ForeignKey(Membre, on_delete=models.SET_NULL, null=True, blank=True, related_name="presences",
                               verbose_name="membre de l'instance")
    nom = models.CharField("participant", max_length=300)
    etat = models.CharField("présence", max_length=20, choices=Etat.choices, default=Etat.INVITE)

    class Meta:
        verbose_name = "présence"
        ordering = ["pk"]

    def __str__(self):
        return f"{self.nom} ({self.get_etat_display().lower()})"

    @property
    def libelle(self):
        """The name with the member's organisation, when the name alone does not say it."""
        membre = self.membre
        if membre is not None and membre.partenaire_id and membre.partenaire.nom not in self.nom:
            return f"{self.nom} — {membre.partenaire.nom}"
        return self.nom


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(seance__in=Seance.objects.visible_to(user))

    def en_souffrance(self, jour):
        """Decisions whose due date has passed and that are neither done nor dropped."""
        return self.filter(echeance__lt=jour).exclude(statut__in=[Decision.Statut.FAITE, Decision.Statut.ABANDONNEE])


class Decision(models.Model):
    class Statut(models.TextChoices):
        A_FAIRE = "a_faire", "À faire"
        EN_COURS = "en_cours", "En cours"
        FAITE = "faite", "Faite"
        ABANDONNEE = "abandonnee", "Abandonnée"

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="decisions", verbose_name="séance")
    texte = models.TextField("décision")
    partenaire = models.ForeignKey(Partenaire, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="decisions", verbose_name="partenaire responsable")
    echeance = models.DateField("échéance", null=True, blank=True)
    statut = models.CharField("statut", max_length=20, choices=Statut.choices, default=Statut.A_FAIRE)
    fiches = models.ManyToManyField("fiches.Fiche", blank=True, related_name="decisions", verbose_name="fiches")
    dispositifs = models.ManyToManyField("engagements.Dispositif", blank=True, related_name="decisions",
                                         verbose_name="dispositifs")
    version = models.PositiveIntegerField("version", default=1, editable=False)

    objects = DecisionQuerySet.as_manager()
    suivi = Suivi("decision", ("seance_id", "texte", "partenaire_id", "echeance", "statut"),
                  contrat="seance.instance.contrat_id", dossier=("seance", "seance_id"), m2m=("fiches", "dispositifs"))

    class Meta:
        verbose_name = "décision"
        ordering = ["echeance", "pk"]

    def __str__(self):
        return self.texte[:80]
