"""Governance: the bodies of a contract, their rhythm held as data, their meetings and decisions."""

import re

from django.db import models
from django.urls import reverse

from contrat.models import Contrat, Document, Partenaire
from noyau.historique import Suivi
from noyau.modeles import NaturalKeyManager, Versionne


def _acceptees(contrats):
    """The ids of the instances shared with these contracts and accepted there: offered by the instance's
    contract (`contrats_associes`) and accepted by the other's chef de projet (`PartageInstance`)."""
    offertes = Instance.contrats_associes.through.objects.filter(
        instance_id=models.OuterRef("instance_id"), contrat_id=models.OuterRef("contrat_id")
    )
    return PartageInstance.objects.filter(contrats, models.Exists(offertes)).values("instance_id")


class InstanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        visibles = Contrat.objects.visible_to(user)
        return self.filter(models.Q(contrat__in=visibles) | models.Q(pk__in=_acceptees(models.Q(contrat__in=visibles))))

    def du_contrat(self, contrat):
        """The bodies of a contract: its own and those another contract shares with it (a departmental
        body) once its chef de projet has accepted them."""
        return self.filter(models.Q(contrat=contrat) | models.Q(pk__in=_acceptees(models.Q(contrat=contrat))))

    def proposees_a(self, contrat):
        """The bodies other contracts offer to this one, not accepted (yet, or withdrawn)."""
        return (
            self.filter(contrats_associes=contrat, archivee=False)
            .exclude(pk__in=_acceptees(models.Q(contrat=contrat)))
            .select_related("contrat")
        )


class InstanceManager(NaturalKeyManager.from_queryset(InstanceQuerySet)):
    pass


class Instance(Versionne):
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
        EQUIPE_PROJET = "equipe_projet", "Équipe projet"
        COMITE_TERRITORIAL = "comite_territorial", "Comité territorial"
        CELLULE_PILOTAGE = "cellule_pilotage", "Cellule de pilotage"
        COMITE_LIAISON = "comite_liaison", "Comité de liaison"
        AUTRE = "autre", "Autre"

    class Lien(models.TextChoices):
        PREPARE = "prepare", "prépare les travaux de"
        INSTRUIT = "instruit", "instruit les dossiers pour"

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
    document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instances",
        verbose_name="document qui l'institue",
    )
    slug = models.SlugField("identifiant", max_length=80)
    nom = models.CharField("nom", max_length=200)
    nature = models.CharField("nature", max_length=30, choices=Nature.choices)
    # The key of one of the contract's own columns (`colonnes_du_schema`); a body of no column is
    # listed under « Autres instances ».
    colonne = models.CharField("colonne du schéma de gouvernance", max_length=60, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sous_instances",
        verbose_name="instance parente",
        help_text="L'instance dont celle-ci est une formation ou une sous-instance.",
    )
    formation = models.CharField("formation", max_length=20, choices=Formation.choices, blank=True)
    lien = models.CharField("lien avec une autre instance", max_length=20, choices=Lien.choices, blank=True)
    instance_liee = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instances_preparatoires",
        verbose_name="instance liée",
    )
    contrats_associes = models.ManyToManyField(
        Contrat,
        blank=True,
        related_name="instances_partagees",
        verbose_name="sert aussi les contrats",
        help_text="Une instance départementale commune à plusieurs contrats : elle paraît dans leur gouvernance.",
    )
    missions = models.TextField("missions", blank=True, help_text="Une mission par ligne, dans l'ordre.")
    composition = models.TextField("composition (telle que dans le document)", blank=True)
    # The rhythm as data: `frequence` (to `frequence_max`) meetings a `periode`, in the preferred
    # months if any ("10" = October; "3-4,11-12" = March/April and November/December).
    frequence = models.PositiveSmallIntegerField("nombre de réunions", null=True, blank=True)
    frequence_max = models.PositiveSmallIntegerField("au plus", null=True, blank=True)
    au_moins = models.BooleanField(
        "au moins (un minimum)",
        default=False,
        help_text="« au moins / a minima / au minimum N fois » : le nombre est un minimum.",
    )
    periode = models.CharField("par", max_length=20, choices=Periode.choices, blank=True)
    mois = models.CharField(
        "mois préférés",
        max_length=60,
        blank=True,
        help_text="« 10 » pour octobre ; « 3-4,11-12 » pour mars/avril et novembre/décembre.",
    )
    duree = models.CharField("durée", max_length=60, blank=True, help_text="Par exemple « ½ journée ».")
    selon_besoins = models.BooleanField("se réunit selon les besoins", default=False)
    rythme_source = models.CharField("rythme (texte du document)", max_length=300, blank=True)
    ordre = models.PositiveIntegerField("ordre", default=0)
    archivee = models.BooleanField("archivée", default=False)

    objects = InstanceManager()
    natural_key_lookups = ("contrat__slug", "slug")
    suivi = Suivi(
        "instance",
        (
            "contrat_id",
            "document_id",
            "slug",
            "nom",
            "nature",
            "colonne",
            "parent_id",
            "formation",
            "lien",
            "instance_liee_id",
            "missions",
            "composition",
            "frequence",
            "frequence_max",
            "au_moins",
            "periode",
            "mois",
            "duree",
            "selon_besoins",
            "rythme_source",
            "ordre",
            "archivee",
        ),
        contrat="contrat_id",
        dossier=("gouvernance", "contrat_id"),
        m2m=("contrats_associes",),
        listes=lambda instance: {"membres": [str(m) for m in instance.membres.order_by("ordre", "pk")]},
        libelles={"membres": "membres"},
    )

    class Meta:
        verbose_name = "instance de gouvernance"
        verbose_name_plural = "instances de gouvernance"
        ordering = ["contrat", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "slug"],
                name="instance_slug_unique",
                violation_error_message="Une instance de ce contrat porte déjà cet identifiant.",
            ),
            models.CheckConstraint(
                condition=models.Q(frequence_max__isnull=True)
                | models.Q(frequence__isnull=True)
                | models.Q(frequence_max__gte=models.F("frequence")),
                name="instance_frequence_ordonnee",
                violation_error_message="Le nombre maximal de réunions doit être au moins égal au nombre minimal.",
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

    @property
    def rythme_du_document(self):
        """The source's own wording (« a minima deux fois par an »), when it says more than `rythme`."""
        from .rythmes import sans_reunion

        source = sans_reunion(self.rythme_source)
        if not self.frequence or not source:
            return ""

        def serre(texte):
            return re.sub(r"[\s/]|par", "", texte.lower())

        return "" if serre(source) == serre(self.rythme) else source


class Colonne(Versionne):
    """A column of a contract's governance scheme. A contract without any uses the protocol's four."""

    contrat = models.ForeignKey(
        Contrat, on_delete=models.CASCADE, related_name="colonnes_du_schema", verbose_name="contrat"
    )
    cle = models.SlugField("identifiant", max_length=60)
    libelle = models.CharField("intitulé", max_length=100)
    ordre = models.PositiveSmallIntegerField("position", default=0)

    suivi = Suivi(
        "colonne",
        ("contrat_id", "cle", "libelle", "ordre"),
        contrat="contrat_id",
        dossier=("gouvernance", "contrat_id"),
    )

    class Meta:
        verbose_name = "colonne du schéma de gouvernance"
        verbose_name_plural = "colonnes du schéma de gouvernance"
        ordering = ["contrat", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "cle"],
                name="colonne_cle_unique",
                violation_error_message="Ce contrat a déjà une colonne de ce nom.",
            )
        ]

    def __str__(self):
        return self.libelle


# The columns of the protocol's scheme (Grand Dijon, annexe 1): every contract starts with them.
COLONNES_PAR_DEFAUT = [
    ("etat", "État"),
    ("collectivites", "Collectivités"),
    ("conseils_citoyens", "Conseils citoyens"),
    ("copilotage", "Copilotage"),
]


def colonnes_du_schema(contrat):
    """[(clé, intitulé)] of the contract's scheme, in order: its own; else the signed document's four (Grand
    Dijon's) for a contract whose bodies were placed in them; else none — a new contract chooses its columns
    (its page offers those four to start from) rather than inheriting another territory's."""
    propres = [(c.cle, c.libelle) for c in contrat.colonnes_du_schema.all()]
    if propres:
        return propres
    places = Instance.objects.filter(contrat=contrat, colonne__in=[cle for cle, _ in COLONNES_PAR_DEFAUT])
    return list(COLONNES_PAR_DEFAUT) if places.exists() else []


class Membre(models.Model):
    """Who sits in an instance: a partner, a named function, a group (« les signataires »), or several of these."""

    class Role(models.TextChoices):
        PRESIDE = "preside", "préside"
        COPRESIDE = "copreside", "copréside"
        ANIME = "anime", "anime"
        COANIME = "coanime", "co-anime"

    class Groupe(models.TextChoices):
        SIGNATAIRES = "signataires", "les signataires du contrat"
        FINANCEURS = "financeurs", "les financeurs du contrat"
        AGENTS = "agents", "les agents de l'organisation"

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="membres", verbose_name="instance")
    ordre = models.PositiveIntegerField("ordre", default=0)
    partenaire = models.ForeignKey(
        Partenaire, on_delete=models.PROTECT, null=True, blank=True, related_name="sieges", verbose_name="organisation"
    )
    fonction = models.CharField(
        "fonction", max_length=300, blank=True, help_text="« le Préfet de la Côte-d'Or ou son représentant »"
    )
    groupe = models.CharField(
        "groupe",
        max_length=20,
        choices=Groupe.choices,
        blank=True,
        help_text="Un groupe est remplacé par ses membres à la convocation d'une séance.",
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices, blank=True)

    objects = NaturalKeyManager()
    natural_key_lookups = ("instance__contrat__slug", "instance__slug", "ordre")

    class Meta:
        verbose_name = "membre d'une instance"
        verbose_name_plural = "membres des instances"
        ordering = ["ordre", "pk"]
        constraints = [models.UniqueConstraint(fields=["instance", "ordre"], name="membre_instance_ordre_unique")]

    def __str__(self):
        if self.groupe == self.Groupe.AGENTS:
            groupe = f"les agents de {self.partenaire.nom}" if self.partenaire_id else "les agents"
        elif self.groupe:
            groupe = self.get_groupe_display()
        else:
            return self.fonction or (self.partenaire.nom if self.partenaire else "")
        # A group with a function says both: « les financeurs du contrat (techniciens des services partenaires
        # co-financeurs) » — the document's words are never lost to the group's.
        return f"{groupe} ({self.fonction})" if self.fonction else groupe

    @property
    def preside(self):
        return self.role in (self.Role.PRESIDE, self.Role.COPRESIDE)

    @property
    def designation(self):
        """The function with its organisation (« le Maire — Ville de Chenôve »): five mayors sit in one body."""
        if self.fonction and self.partenaire_id and not self.groupe:
            return f"{self.fonction} — {self.partenaire.nom}"
        return str(self)

    def natural_key(self):
        return (self.instance.contrat.slug, self.instance.slug, self.ordre)

    natural_key.dependencies = ["gouvernance.instance"]


class SeanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(instance__in=Instance.objects.visible_to(user))


class PartageInstance(Versionne):
    """The consent of a contract to an instance another contract offers it (`Instance.contrats_associes`):
    given by its chef de projet, withdrawn by him; written in this contract's history."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="partages", verbose_name="instance")
    contrat = models.ForeignKey(
        Contrat, on_delete=models.CASCADE, related_name="partages_acceptes", verbose_name="contrat qui l'accepte"
    )

    suivi = Suivi(
        "partage",
        ("instance_id", "contrat_id"),
        contrat="contrat_id",
        dossier=("gouvernance", "contrat_id"),
        libelles={"instance_id": "instance partagée"},
    )

    class Meta:
        verbose_name = "instance partagée acceptée"
        verbose_name_plural = "instances partagées acceptées"
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "contrat"],
                name="partage_unique",
                violation_error_message="Ce contrat a déjà accepté cette instance.",
            ),
        ]

    def __str__(self):
        return f"{self.instance} — {self.contrat}"


class Seance(Versionne):
    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="seances", verbose_name="instance")
    date = models.DateField("date")
    heure = models.TimeField("heure", null=True, blank=True)
    lieu = models.CharField("lieu", max_length=300, blank=True)
    ordre_du_jour = models.TextField("ordre du jour", blank=True, help_text="Un point par ligne.")
    compte_rendu = models.TextField("compte rendu", blank=True)
    fichier = models.FileField(
        "compte rendu (fichier)",
        upload_to="seances/%Y/",
        blank=True,
        help_text="PDF, traitement de texte ou tableur, 10 Mo au plus.",
    )

    objects = SeanceQuerySet.as_manager()
    suivi = Suivi(
        "seance",
        ("instance_id", "date", "heure", "lieu", "ordre_du_jour", "compte_rendu", "fichier"),
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


def cle_presence(nom, partenaire_id):
    """Who a row of attendance is, whatever the spaces and case typed: a person is on the list once."""
    return " ".join((nom or "").split()).casefold(), partenaire_id


class Presence(models.Model):
    """Who was invited to a meeting, and whether they came or sent apologies."""

    class Etat(models.TextChoices):
        INVITE = "invite", "Invité"
        PRESENT = "present", "Présent"
        EXCUSE = "excuse", "Excusé"

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="presences", verbose_name="séance")
    membre = models.ForeignKey(
        Membre,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="presences",
        verbose_name="membre de l'instance",
    )
    nom = models.CharField("participant", max_length=300)
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="presences",
        verbose_name="organisation",
    )
    etat = models.CharField("présence", max_length=20, choices=Etat.choices, default=Etat.INVITE)

    class Meta:
        verbose_name = "présence"
        ordering = ["pk"]

    def __str__(self):
        return f"{self.nom} ({self.get_etat_display().lower()})"

    @property
    def libelle(self):
        """The name with its organisation, when the name alone does not say it (« le Maire » five times)."""
        partenaire = self.partenaire
        if partenaire is None and self.membre is not None and self.membre.partenaire_id:
            partenaire = self.membre.partenaire
        if partenaire is not None and partenaire.nom not in self.nom:
            return f"{self.nom} — {partenaire.nom}"
        return self.nom


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(seance__in=Seance.objects.visible_to(user))

    def en_souffrance(self, jour):
        """Decisions whose due date has passed and that are neither done nor dropped."""
        return self.filter(echeance__lt=jour).exclude(statut__in=[Decision.Statut.FAITE, Decision.Statut.ABANDONNEE])


class Decision(Versionne):
    class Statut(models.TextChoices):
        A_FAIRE = "a_faire", "À faire"
        EN_COURS = "en_cours", "En cours"
        FAITE = "faite", "Faite"
        ABANDONNEE = "abandonnee", "Abandonnée"

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="decisions", verbose_name="séance")
    texte = models.TextField("décision")
    partenaire = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name="partenaire responsable",
    )
    echeance = models.DateField("échéance", null=True, blank=True)
    statut = models.CharField("statut", max_length=20, choices=Statut.choices, default=Statut.A_FAIRE)
    fiches = models.ManyToManyField("fiches.Fiche", blank=True, related_name="decisions", verbose_name="fiches")
    dispositifs = models.ManyToManyField(
        "engagements.Dispositif", blank=True, related_name="decisions", verbose_name="dispositifs"
    )

    objects = DecisionQuerySet.as_manager()
    suivi = Suivi(
        "decision",
        ("seance_id", "texte", "partenaire_id", "echeance", "statut"),
        contrat="seance.instance.contrat_id",
        dossier=("seance", "seance_id"),
        m2m=("fiches", "dispositifs"),
    )

    class Meta:
        verbose_name = "décision"
        ordering = ["echeance", "pk"]

    def __str__(self):
        return self.texte[:80]


def un_mois_apres(jour):
    """The same day a month later (the last day of that month when it is shorter: 31/01 → 28/02)."""
    import calendar

    annee, mois = (jour.year + 1, 1) if jour.month == 12 else (jour.year, jour.month + 1)
    return jour.replace(year=annee, month=mois, day=min(jour.day, calendar.monthrange(annee, mois)[1]))


class Avis(Versionne):
    """The opinion a conseil citoyen gives on the year's report on the politique de la ville (décret
    2015-1118): sent on a date, it answers within a month; silence counts as approval."""

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="avis", verbose_name="contrat")
    annee = models.PositiveSmallIntegerField("année du rapport")
    conseil = models.CharField("conseil citoyen", max_length=200)
    envoye_le = models.DateField("rapport envoyé le")
    recu_le = models.DateField("avis reçu le", null=True, blank=True)
    texte = models.TextField("avis", blank=True)

    suivi = Suivi(
        "avis",
        ("contrat_id", "annee", "conseil", "envoye_le", "recu_le", "texte"),
        contrat="contrat_id",
        dossier=("contrat", "contrat_id"),
    )

    class Meta:
        verbose_name = "avis d'un conseil citoyen"
        verbose_name_plural = "avis des conseils citoyens"
        ordering = ["contrat", "annee", "conseil"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "annee", "conseil"],
                name="avis_unique",
                violation_error_message="Ce conseil citoyen a déjà un avis pour ce rapport.",
            ),
            models.CheckConstraint(
                condition=models.Q(recu_le__isnull=True) | models.Q(recu_le__gte=models.F("envoye_le")),
                name="avis_recu_apres_envoi",
                violation_error_message="L'avis ne peut pas être reçu avant l'envoi du rapport.",
            ),
        ]

    def __str__(self):
        return f"Avis {self.annee} — {self.conseil}"

    @property
    def echeance(self):
        return un_mois_apres(self.envoye_le)

    def etat(self, jour):
        """« rendu », « réputé favorable » once the month has passed without one, or « attendu »."""
        if self.texte or self.recu_le:
            return "rendu"
        return "repute_favorable" if jour >= self.echeance else "attendu"

    def libelle_etat(self, jour):
        etat = self.etat(jour)
        if etat == "rendu":
            return f"Avis rendu{f' le {self.recu_le:%d/%m/%Y}' if self.recu_le else ''}"
        if etat == "repute_favorable":
            return f"Réputé favorable : aucun avis reçu dans le mois suivant l'envoi (le {self.echeance:%d/%m/%Y})"
        return f"Avis attendu jusqu'au {self.echeance:%d/%m/%Y}"
