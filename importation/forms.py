from django import forms
from django.core.exceptions import ValidationError

from contrat.models import Partenaire
from noyau.formulaires import DsfrFormMixin

from .annexe import partenaires_du_contrat
from .lecture_classeur import taille, taille_max


class ImportAnnexeForm(DsfrFormMixin, forms.Form):
    """The workbook of a partner's annexe, and the partner it is for."""

    partenaire = forms.ModelChoiceField(
        label="Partenaire dont c'est l'annexe",
        queryset=Partenaire.objects.none(),
        to_field_name="slug",
        error_messages={
            "required": "Choisissez le partenaire.",
            "invalid_choice": "Choisissez un partenaire du contrat.",
        },
    )
    fichier = forms.FileField(
        label="Classeur de l'annexe (.xlsx)",
        help_text="Le tableau tel qu'imprimé : colonnes Pilier, Orientations stratégiques, Objectifs opérationnels, "
        "Service responsable du financement, Intitulé, Unité de compte, montant annuel, Remarques, montant "
        "pluriannuel.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={"required": "Choisissez le fichier à importer.", "empty": "Le fichier est vide."},
    )

    def __init__(self, contrat, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = partenaires_du_contrat(contrat).order_by("nom")

    def clean_fichier(self):
        # The type is judged on the content by the reader, which says what the file is instead.
        fichier = self.cleaned_data["fichier"]
        if fichier.size > taille_max():
            raise ValidationError(f"Le fichier pèse {taille(fichier.size)} : la limite est de {taille(taille_max())}.")
        return fichier
