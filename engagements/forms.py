from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from contrat.models import Objectif, Partenaire, Quartier
from noyau import bornes
from noyau.formulaires import DsfrFormMixin, VersionMixin
from noyau.jetons import JetonMixin
from noyau.montants import MontantField, euros

from .models import Collecte, Contribution, Dispositif, Estimation, Nature


class AnnexeFiltreForm(DsfrFormMixin, forms.Form):
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

    au = forms.DateField(
        label="Telle qu'au (AAAA-MM-JJ)",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Pour réimprimer l'annexe telle qu'elle était à une date, par exemple à la signature.",
        error_messages={"invalid": "Saisissez une date au format AAAA-MM-JJ, par exemple 2015-07-06."},
    )

    def __init__(self, contrat, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contrat = contrat
        self.fields["partenaire"].queryset = Partenaire.objects.choix_du_contrat(contrat)
        lignes = Estimation.objects.filter(contrat=contrat).order_by()  # no ordering: DISTINCT
        self.annees_par_partenaire = {}
        for partenaire_id, annee in lignes.values_list("partenaire_id", "annee").distinct():
            self.annees_par_partenaire.setdefault(partenaire_id, set()).add(annee)
        # The years with lines, and those of a campaign (whose partners may have sent nothing yet).
        self.annees = sorted(
            {a for annees in self.annees_par_partenaire.values() for a in annees}
            | set(Collecte.objects.filter(contrat=contrat).values_list("annee", flat=True))
        )
        self.fields["annee"].choices = [(a, str(a)) for a in self.annees]

    def clean(self):
        donnees = super().clean()
        if "annee" in donnees and donnees["annee"] is None:
            # Without a year: the partner's latest year, else the contract's latest.
            partenaire = donnees.get("partenaire")
            siennes = self.annees_par_partenaire.get(partenaire.pk) if partenaire else None
            if siennes:
                donnees["annee"] = max(siennes)
            else:
                donnees["annee"] = self.annees[-1] if self.annees else self.contrat.annee_debut
        return donnees

    def clean_annee(self):
        annee = self.cleaned_data.get("annee")
        return None if annee in (None, "") else annee


class DispositifForm(DsfrFormMixin, VersionMixin, JetonMixin, forms.ModelForm):
    class Meta:
        model = Dispositif
        fields = [
            "partenaire",
            "intitule",
            "unite_compte",
            "remarque",
            "statut",
            "objectifs",
            "quartiers",
            "structures",
        ]
        widgets = {
            "remarque": forms.Textarea(attrs={"rows": 3}),
            "structures": forms.Textarea(attrs={"rows": 2}),
            "objectifs": forms.CheckboxSelectMultiple,
            "quartiers": forms.CheckboxSelectMultiple,
        }
        error_messages = {
            "intitule": {"required": "Donnez l'intitulé du dispositif."},
            "objectifs": {"invalid_choice": "Cet objectif n'appartient pas au contrat de ce dispositif."},
        }

    def __init__(self, *args, contrat, partenaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.contrat = contrat
        self.fields["partenaire"].queryset = partenaires
        self.fields["partenaire"].empty_label = None
        # Archived items are no longer offered; those the line already serves stay.
        proposes = Q(archive=False, orientation__archive=False, orientation__pilier__archive=False)
        if self.instance.pk:
            proposes |= Q(pk__in=self.instance.objectifs.values("pk"))
        self.fields["objectifs"].queryset = (
            Objectif.objects.filter(proposes, orientation__pilier__contrat=contrat)
            .select_related("orientation__pilier__contrat")
            .order_by("orientation__pilier__ordre", "orientation__ordre", "ordre")
        )
        self.fields["objectifs"].error_messages["invalid_choice"] = (
            "L'objectif « %(value)s » n'appartient pas au contrat de ce dispositif."
        )
        self.fields["objectifs"].label_from_instance = lambda o: f"{o.orientation.pilier.libelle} › {o.libelle}"
        self.fields["objectifs"].label = contrat.niveau_3  # the contract's words for its third level
        self._bound_fields_cache.pop("objectifs", None)  # (the DSFR mixin read the field with its old label)
        self.fields["quartiers"].queryset = Quartier.objects.filter(perimetres__contrat=contrat).select_related(
            "commune"
        )
        if self.instance.pk is None:
            self.fields["version"].required = False


class PeriodeMixin:
    """The years of an estimate, in the grid as in the form: within the contract's years, and the
    multi-year period given whole and in order. The form says which contract (`contrat`)."""

    def _dans_la_periode(self, champ):
        annee = self.cleaned_data.get(champ)
        contrat = self.contrat
        if annee is not None and not contrat.annee_debut <= annee <= contrat.annee_fin_effective:
            raise ValidationError(
                "L'année doit être comprise dans la période du contrat "
                f"({contrat.annee_debut}-{contrat.annee_fin_effective})."
            )
        return annee

    def clean_periode_debut(self):
        return self._dans_la_periode("periode_debut")

    def clean_periode_fin(self):
        return self._dans_la_periode("periode_fin")

    def _verifier_periode(self, donnees):
        debut, fin = donnees.get("periode_debut"), donnees.get("periode_fin")
        if (debut is None) != (fin is None):
            self.add_error(
                "periode_fin" if fin is None else "periode_debut",
                "Indiquez le début et la fin de la période pluriannuelle.",
            )
        elif debut is not None and fin < debut:
            self.add_error("periode_fin", "La fin de la période doit suivre son début.")


class EstimationForm(PeriodeMixin, DsfrFormMixin, VersionMixin, JetonMixin, forms.ModelForm):
    montant_annuel = MontantField(
        label="Valorisation financière annuelle (€)",
        required=False,
        help_text="Laissez vide si le montant n'est pas connu : vide n'est pas zéro.",
    )
    montant_pluriannuel = MontantField(
        label="Montant estimatif pluriannuel (€)",
        required=False,
        help_text="Laissez vide si le montant n'est pas connu.",
    )
    confirmer_ecart = forms.BooleanField(
        label="Je confirme un montant pluriannuel inférieur au montant annuel", required=False
    )

    class Meta:
        model = Estimation
        fields = [
            "partenaire",
            "annee",
            "montant_annuel",
            "remarque_annuelle",
            "periode_debut",
            "periode_fin",
            "montant_pluriannuel",
            "remarque_pluriannuelle",
        ]
        widgets = {
            "remarque_annuelle": forms.Textarea(attrs={"rows": 2}),
            "remarque_pluriannuelle": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {"annee": {"required": "Indiquez l'année de l'estimation."}}

    def __init__(self, *args, dispositif, partenaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.dispositif = dispositif
        self.fields["partenaire"].queryset = partenaires
        self.fields["partenaire"].empty_label = None
        if self.instance.pk is None:
            self.fields["version"].required = False

    @property
    def contrat(self):
        return self.dispositif.contrat

    def clean_annee(self):
        return self._dans_la_periode("annee")

    def clean(self):
        donnees = super().clean()
        self._verifier_periode(donnees)
        annuel, pluri = donnees.get("montant_annuel"), donnees.get("montant_pluriannuel")
        if annuel is not None and pluri is not None and pluri < annuel and not donnees.get("confirmer_ecart"):
            self.add_error(
                "montant_pluriannuel",
                f"Le montant pluriannuel ({euros(pluri)}) est inférieur au montant annuel ({euros(annuel)}) : "
                "vérifiez-le, ou cochez la confirmation ci-dessous.",
            )
        partenaire, annee = donnees.get("partenaire"), donnees.get("annee")
        if partenaire and annee:
            doublon = Estimation.objects.filter(dispositif=self.dispositif, partenaire=partenaire, annee=annee)
            if doublon.exclude(pk=self.instance.pk).exists():
                self.add_error(
                    "annee", f"{partenaire.sigle} a déjà une estimation pour {annee} sur ce dispositif : modifiez-la."
                )
            elif Contribution.objects.filter(
                contrat=self.dispositif.contrat,
                partenaire=partenaire,
                annee=annee,
                nature=Nature.PREVISIONNEL,
                statut__in=[Contribution.Statut.SOUMIS, Contribution.Statut.VALIDE],
            ).exists():
                self.add_error(
                    "annee",
                    f"La contribution {annee} de {partenaire.sigle} est soumise ou validée : "
                    "ses lignes ne sont plus modifiables.",
                )
        return donnees


class RenvoiForm(DsfrFormMixin, forms.Form):
    commentaire = forms.CharField(
        label="Ce qu'il faut corriger",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Expliquez au partenaire ce qu'il doit corriger."},
    )


class ReponseForm(DsfrFormMixin, forms.Form):
    """The agent's word to the chef de projet with a submission (an answer to a send-back): optional."""

    commentaire = forms.CharField(
        label="Votre message au chef de projet (facultatif)",
        help_text="Par exemple, ce que vous avez corrigé après son renvoi.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "Votre message dépasse %(limit_value)d caractères : raccourcissez-le."},
    )


class CollecteForm(DsfrFormMixin, VersionMixin, forms.ModelForm):
    """Opening (or adjusting) the year's campaign: deadline, expected partners, open or closed."""

    class Meta:
        model = Collecte
        fields = ["annee", "nature", "echeance", "partenaires", "ouverte"]
        widgets = {
            "partenaires": forms.CheckboxSelectMultiple,
            "echeance": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        error_messages = {
            "annee": {"required": "Indiquez l'année collectée."},
            "echeance": {
                "required": "Indiquez la date limite de soumission.",
                "invalid": "Saisissez une date au format AAAA-MM-JJ, par exemple 2026-12-31.",
            },
            "partenaires": {"required": "Choisissez au moins un partenaire attendu."},
        }
        help_texts = {
            "partenaires": "Proposés : les partenaires du contrat qui ont des agents, et ceux qui avaient "
            "des lignes l'année précédente."
        }

    def __init__(self, *args, contrat, partenaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.contrat = contrat
        self.fields["partenaires"].queryset = partenaires
        self.fields["echeance"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        if self.instance.pk is None:
            self.fields["version"].required = False
            del self.fields["ouverte"]
        else:
            self.fields["annee"].disabled = True
            self.fields["nature"].disabled = True
        self.fields["nature"].required = False  # a form that does not say it opens the planned campaign
        self.fields["nature"].widget = forms.RadioSelect(
            choices=[
                (Nature.PREVISIONNEL, "Prévisionnel : les montants prévus pour l'année"),
                (Nature.BILAN, "Bilan : ce qui a été réalisé sur les lignes de l'année (une année achevée)"),
            ]
        )

    def clean_annee(self):
        annee = self.cleaned_data.get("annee")
        contrat = self.contrat
        if annee is not None and not contrat.annee_debut <= annee <= contrat.annee_fin_effective:
            raise ValidationError(
                f"L'année doit être comprise dans la période du contrat "
                f"({contrat.annee_debut}-{contrat.annee_fin_effective})."
            )
        return annee

    def clean_nature(self):
        if self.instance.pk is not None:
            return self.instance.nature
        return self.cleaned_data.get("nature") or Nature.PREVISIONNEL

    def clean(self):
        donnees = super().clean()
        annee, nature = donnees.get("annee"), donnees.get("nature")
        if annee is None or nature is None or self.instance.pk is not None:
            return donnees
        if nature == Nature.BILAN and annee >= timezone.localdate().year:
            self.add_error("annee", f"L'année {annee} n'est pas achevée : son bilan s'ouvre à partir de {annee + 1}.")
        elif Collecte.objects.filter(contrat=self.contrat, annee=annee, nature=nature).exists():
            quoi = (
                f"Le bilan {annee} est déjà ouvert"
                if nature == Nature.BILAN
                else f"La collecte {annee} est déjà ouverte"
            )
            self.add_error(
                "annee", f"{quoi} : modifiez-{'le' if nature == Nature.BILAN else 'la'} depuis son tableau de bord."
            )
        return donnees

    def clean_echeance(self):
        return bornes.date(self.cleaned_data.get("echeance"))
