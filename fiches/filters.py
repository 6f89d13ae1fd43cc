import django_filters
from django.db.models import Q

from contrat.models import Orientation, Partenaire, Pilier, Quartier
from noyau.formulaires import FormulaireFiltre

from .models import Fiche


class FicheFilter(django_filters.FilterSet):
    """The filters of a contract's fiches list, and of its recueil and workbook."""

    q = django_filters.CharFilter(
        label="Texte", method="filtre_texte", help_text="Dans le numéro, l'intitulé, les objectifs, la description…"
    )
    forme = django_filters.ChoiceFilter(
        label="Type de fiche", choices=Fiche.Forme.choices, empty_label="Tous les types"
    )
    pilier = django_filters.ModelChoiceFilter(
        label="Pilier / section / axe", queryset=Pilier.objects.none(), empty_label="Tous"
    )
    orientation = django_filters.ModelChoiceFilter(
        label="Enjeu / orientation", queryset=Orientation.objects.none(), empty_label="Tous"
    )
    partenaire = django_filters.ModelChoiceFilter(
        label="Partenaire (quel que soit son rôle)",
        queryset=Partenaire.objects.none(),
        method="filtre_partenaire",
        to_field_name="slug",
        empty_label="Tous",
    )
    quartier = django_filters.ModelChoiceFilter(
        label="Quartier",
        queryset=Quartier.objects.none(),
        field_name="quartiers",
        to_field_name="slug",
        empty_label="Tous",
    )
    statut = django_filters.ChoiceFilter(label="Statut", choices=Fiche.Statut.choices, empty_label="Tous les statuts")

    class Meta:
        model = Fiche
        fields = ["q", "forme", "pilier", "orientation", "partenaire", "quartier", "statut"]
        form = FormulaireFiltre

    def __init__(self, data=None, queryset=None, *, contrat, **kwargs):
        super().__init__(data, queryset, **kwargs)
        champs = self.form.fields
        champs["pilier"].queryset = contrat.piliers.select_related("contrat")
        champs["orientation"].queryset = Orientation.objects.filter(pilier__contrat=contrat)
        champs["partenaire"].queryset = (
            Partenaire.objects.filter(
                Q(intervenants__fiche__contrat=contrat) | Q(engagements_fiches__fiche__contrat=contrat)
            )
            .distinct()
            .order_by("nom")
        )
        champs["quartier"].queryset = (
            Quartier.objects.filter(fiches__contrat=contrat).distinct().select_related("commune").order_by("nom")
        )
        for champ in champs.values():
            champ.error_messages["invalid_choice"] = "Ce choix n'existe pas pour ce contrat : choisissez dans la liste."

    def filtre_texte(self, queryset, name, value):
        return queryset.recherche(value.strip()) if value.strip() else queryset

    def filtre_partenaire(self, queryset, name, value):
        return queryset.du_partenaire(value) if value else queryset
