from django import forms

from contrat.models import Partenaire

from .models import Estimation


class AnnexeFiltreForm(forms.Form):
    """?partenaire=<slug>&annee=<année> of the annexe page and its exports."""

    partenaire = forms.ModelChoiceField(
        label="Partenaire",
        queryset=Partenaire.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Tous les partenaires",
        error_messages={"invalid_choice": "Ce partenaire n'existe pas : choisissez-en un dans la liste."},
    )
    annee = forms.TypedChoiceField(
        label="Année de l'estimation",
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "Aucune estimation n'existe pour cette année dans ce contrat."},
    )

    def __init__(self, contrat, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contrat = contrat
        self.annees = list(
            Estimation.objects.filter(dispositif__contrat=contrat)
            .order_by("annee")  # the model's default ordering would break DISTINCT
            .values_list("annee", flat=True)
            .distinct()
        )
        self.fields["annee"].choices = [(a, str(a)) for a in self.annees]

    def clean_annee(self):
        # Without a year, the most recent year with estimates.
        annee = self.cleaned_data.get("annee")
        if annee in (None, ""):
            return self.annees[-1] if self.annees else self.contrat.annee_debut
        return annee
