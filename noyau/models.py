"""The history of every versioned object: who, when, from where, each field before and after.

An entry names its object by the nature the model declares (`Suivi.nature`), not by a
foreign key: the history outlives what it describes, and this app names no model.
"""

from django.conf import settings
from django.db import models


class HistoriqueQuerySet(models.QuerySet):
    def du_dossier(self, nature, pk):
        """The entries shown on an object's page: its own and those of what it holds."""
        return self.filter(dossier=f"{nature}:{pk}").select_related("user").order_by("-date", "-pk")

    def de(self, objet):
        return self.filter(objet=type(objet).suivi.nature, objet_id=objet.pk)


class Historique(models.Model):
    """One creation, change or deletion. Snapshots are whole, so that any state can be rebuilt."""

    class Action(models.TextChoices):
        CREATION = "creation", "Création"
        MODIFICATION = "modification", "Modification"
        SUPPRESSION = "suppression", "Suppression"

    class Source(models.TextChoices):
        FORMULAIRE = "formulaire", "Saisie dans l'application"
        IMPORT = "import", "Import d'un classeur"
        ADMIN = "admin", "Administration"
        COMMANDE = "commande", "Commande"

    objet = models.CharField("objet", max_length=30)
    objet_id = models.PositiveBigIntegerField("identifiant de l'objet")
    # Every object belongs to one contract: its history is read contract by contract (annexe at a date).
    contrat_id = models.PositiveBigIntegerField("contrat", db_index=True)
    dossier = models.CharField(
        "dossier",
        max_length=50,
        db_index=True,
        blank=True,
        help_text="La page qui montre l'entrée : « dispositif:12 ».",
    )
    action = models.CharField("action", max_length=20, choices=Action.choices)
    source = models.CharField("origine", max_length=20, choices=Source.choices, default=Source.FORMULAIRE)
    detail = models.CharField(
        "précision de l'origine", max_length=255, blank=True, help_text="Le nom du fichier importé, la commande lancée."
    )
    commentaire = models.TextField("commentaire", blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, verbose_name="par")
    user_nom = models.CharField("par (nom au moment de l'action)", max_length=200)
    date = models.DateTimeField("le", db_index=True)
    avant = models.JSONField("avant", null=True, blank=True)
    apres = models.JSONField("après", null=True, blank=True)

    objects = HistoriqueQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée d'historique"
        verbose_name_plural = "historique"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["objet", "objet_id", "date"], name="historique_objet_date")]

    def __str__(self):
        return f"{self.get_action_display()} {self.objet} {self.objet_id} par {self.user_nom}"


class Jeton(models.Model):
    """The one-time token of a creation form: a second submission of the same form (a double click,
    a reload) finds it used and is shown what the first created, instead of creating it twice."""

    jeton = models.CharField("jeton", max_length=64, unique=True)
    cree_le = models.DateTimeField("utilisé le", auto_now_add=True)
    adresse = models.CharField("ce qu'il a créé", max_length=300, blank=True)

    class Meta:
        verbose_name = "jeton de formulaire"
        verbose_name_plural = "jetons de formulaire"


class Courriel(models.Model):
    """A mail the application sends (a submission, a validation, a reminder), kept with its fate.

    It is written in the transaction of what it announces and sent afterwards by a background
    task: a mail server that fails never fails the request, and the failure stays visible."""

    class Statut(models.TextChoices):
        A_ENVOYER = "a_envoyer", "À envoyer"
        ENVOYE = "envoye", "Envoyé"
        ECHEC = "echec", "Échec de l'envoi"

    contrat_id = models.PositiveBigIntegerField("contrat", db_index=True)
    nature = models.CharField("nature", max_length=30, help_text="« soumission », « relance »…")
    destinataires = models.JSONField("destinataires", default=list)
    sujet = models.CharField("sujet", max_length=255)
    corps = models.TextField("texte")
    statut = models.CharField("statut", max_length=20, choices=Statut.choices, default=Statut.A_ENVOYER)
    erreur = models.TextField("erreur", blank=True)
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "courriel"
        ordering = ["-cree_le", "-pk"]

    def __str__(self):
        return f"{self.sujet} ({self.get_statut_display()})"


class Demande(models.Model):
    """One request that sends a mail to a person who did not ask through a signed-in page (a new invitation
    link, a password reset): counted per target to bound how many an hour. The target is kept as a digest,
    never in clear — an address typed by anyone is not worth keeping."""

    cle = models.CharField("cible", max_length=80, db_index=True)
    faite_le = models.DateTimeField("faite le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "demande d'envoi"
