import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from contrat.models import Orientation, Partenaire, Pilier
from noyau import bornes
from noyau.formulaires import DsfrFormMixin, OrdreFormSet, VersionMixin
from noyau.montants import MontantField

from .models import Engagement, Fiche, Indicateur, Intervenant

AIDE_TEXTE = (
    "Un paragraphe par ligne ; « - » en début de ligne pour un élément de liste, "
    "« - » précédé de deux espaces pour une sous-liste."
)


class FicheForm(DsfrFormMixin, VersionMixin, forms.ModelForm):
    class Meta:
        model = Fiche
        fields = [
            "numero",
            "intitule",
            "statut",
            "pilier",
            "orientation",
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
        ]
        widgets = {
            champ: forms.Textarea(attrs={"rows": 4})
            for champ in [
                "constats",
                "echelle",
                "objectif_general",
                "objectifs_operationnels",
                "description",
                "public",
                "calendrier",
                "resultats",
            ]
        }
        help_texts = {"constats": AIDE_TEXTE, "description": AIDE_TEXTE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        contrat = self.instance.contrat
        self.fields["pilier"].queryset = Pilier.objects.filter(contrat=contrat).select_related("contrat")
        self.fields["orientation"].queryset = Orientation.objects.filter(pilier__contrat=contrat)
        self.fields["statut"].choices = [("", "Non renseigné"), *Fiche.Statut.choices]
        for annee in ("annee_debut", "annee_fin"):
            self.fields[annee].widget.attrs.update({"min": 1990, "max": 2100})
            self.fields[annee].error_messages["invalid"] = "Saisissez une année en chiffres, par exemple 2020."

    def clean_annee_debut(self):
        return bornes.annee(self.cleaned_data.get("annee_debut"))

    def clean_annee_fin(self):
        # 1900-2100, not the contract's period: a signed fiche may run past it (fiche action 1, 2019-2025).
        return bornes.annee(self.cleaned_data.get("annee_fin"))

    def clean(self):
        donnees = super().clean()
        debut, fin = donnees.get("annee_debut"), donnees.get("annee_fin")
        if debut and fin and fin < debut:
            self.add_error("annee_fin", "L'année de fin doit suivre l'année de début.")
        pilier, orientation = donnees.get("pilier"), donnees.get("orientation")
        if pilier and orientation and orientation.pilier_id != pilier.pk:
            self.add_error("orientation", "Cet enjeu n'appartient pas au pilier choisi.")
        return donnees


class EngagementForm(DsfrFormMixin, VersionMixin, forms.ModelForm):
    montant = MontantField(
        label="Montant (€)",
        required=False,
        help_text="Seulement si l'engagement est chiffré ; vide si inconnu (ce n'est pas 0).",
    )

    class Meta:
        model = Engagement
        fields = ["texte", "montant", "indicateur", "cible"]
        widgets = {"texte": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"texte": AIDE_TEXTE}


def parse_valeur(texte):
    """A measured value: '1 234', '12,5', '-3'; blank is not measured (None)."""
    texte = re.sub(r"[ \u00a0\u202f\u2009]", "", (texte or "").strip()).removesuffix("%")
    if not texte:
        return None
    # Figures only: "NaN", "Infinity" or "1e999999999" are not measured values.
    if not re.fullmatch(r"-?\d+(?:[,.]\d+)?", texte):
        raise ValidationError("Saisissez un nombre, par exemple 120 ou 12,5.", code="invalide")
    valeur = Decimal(texte.replace(",", "."))
    if valeur.copy_abs() >= Decimal("1e12"):
        raise ValidationError("Ce nombre est trop grand : vérifiez-le.", code="trop_grand")
    if -valeur.as_tuple().exponent > 2:
        raise ValidationError("Deux décimales au plus.", code="decimales")
    return valeur


class ValeurField(forms.Field):
    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        return parse_valeur(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format(value.normalize(), "f").replace(".", ",")
        return value


class MesureForm(DsfrFormMixin, forms.Form):
    """One year of one indicator; `version` is the one read (0 when the year had no value yet)."""

    annee = forms.IntegerField(widget=forms.HiddenInput)
    valeur = ValeurField(label="Valeur mesurée", required=False)
    commentaire = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, annees, **kwargs):
        super().__init__(*args, **kwargs)
        self.annees = annees
        annee = self.initial.get("annee") or (self.data.get(self.add_prefix("annee")) if self.is_bound else None)
        self.fields["valeur"].label = f"Valeur mesurée en {annee}"
        self.fields["commentaire"].label = f"Commentaire {annee}"

    def clean_annee(self):
        annee = self.cleaned_data["annee"]
        if annee not in self.annees:
            raise ValidationError("Cette année est hors du calendrier de la fiche.")
        return annee


def mesures_formset(indicateur, annees, data=None):
    existantes = {m.annee: m for m in indicateur.mesures.all()}
    initial = [
        {
            "annee": a,
            "valeur": existantes[a].valeur if a in existantes else None,
            "commentaire": existantes[a].commentaire if a in existantes else "",
            "version": existantes[a].version if a in existantes else 0,
        }
        for a in annees
    ]
    Formset = forms.formset_factory(MesureForm, extra=0)
    return Formset(data, initial=initial, prefix=f"i{indicateur.pk}", form_kwargs={"annees": annees}), existantes


class IntervenantForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Intervenant
        fields = ["role", "nom", "partenaire"]

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = Partenaire.objects.choix_du_contrat(contrat, self.instance.partenaire_id)


class IndicateurForm(DsfrFormMixin, forms.ModelForm):
    valeur_reference = ValeurField(label="Valeur de référence", required=False)
    cible = ValeurField(label="Cible", required=False)

    class Meta:
        model = Indicateur
        fields = ["libelle", "groupe", "unite", "valeur_reference", "annee_reference", "cible", "annee_cible"]


class IndicateursFormSet(OrdreFormSet):
    """Nothing disappears without a trace: an indicator that has measured values is not deleted."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            indicateur = form.instance
            annees = sorted(indicateur.mesures.values_list("annee", flat=True)) if indicateur.pk else []
            if annees:
                raise ValidationError(
                    f"L'indicateur « {indicateur.libelle} » a des valeurs mesurées ({', '.join(map(str, annees))}) : "
                    "il ne peut pas être supprimé. Videz d'abord ces valeurs (chacune reste dans l'historique), "
                    "ou gardez l'indicateur."
                )


def listes_de_la_fiche(fiche, data=None):
    """The partners and indicators of a fiche, as formsets of the whole-fiche form.

    Engagements keep their own form, version and history (an agent may change its own).
    """
    options = {"formset": OrdreFormSet, "extra": 1, "can_delete": True}
    return {
        "intervenants": forms.inlineformset_factory(Fiche, Intervenant, form=IntervenantForm, **options)(
            data,
            instance=fiche,
            prefix="partenaires",
            queryset=fiche.intervenants.select_related("partenaire"),
            form_kwargs={"contrat": fiche.contrat},
        ),
        "indicateurs": forms.inlineformset_factory(
            Fiche, Indicateur, form=IndicateurForm, **{**options, "formset": IndicateursFormSet}
        )(data, instance=fiche, prefix="indicateurs"),
    }
