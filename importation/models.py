"""The workbooks uploaded for import, kept between the preview and the confirmation, then as a record."""

from django.conf import settings
from django.db import models

from contrat.models import Contrat, Partenaire


class ImportAnnexe(models.Model):
    """A workbook uploaded by a chef de projet: kept between the preview and the confirmation, then as a record."""

    contrat = models.ForeignKey(Contrat, on_delete=models.CASCADE, related_name="imports", verbose_name="contrat")
    partenaire = models.ForeignKey(
        Partenaire, on_delete=models.PROTECT, related_name="imports", verbose_name="partenaire"
    )
    fichier = models.FileField("classeur", upload_to="imports/%Y/%m/")
    nom_fichier = models.CharField("nom du fichier", max_length=255)
    empreinte = models.CharField("empreinte de l'aperçu", max_length=64)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="déposé par"
    )
    cree_le = models.DateTimeField("déposé le", auto_now_add=True)
    applique_le = models.DateTimeField("importé le", null=True, blank=True)
    resume = models.TextField("rapport", blank=True)

    class Meta:
        verbose_name = "import d'annexe financière"
        verbose_name_plural = "imports d'annexes financières"
        ordering = ["-cree_le"]

    def __str__(self):
        return f"{self.nom_fichier} ({self.contrat}, {self.partenaire.sigle})"
