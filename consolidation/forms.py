"""The filters of `/consolidation/`: the territory, a contract, an organisation or a kind of them, the year and
the nature. Every list offered is read once and bounded: a national role reads 400 contracts."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Max, Min, Q
from django.db.models.functions import Coalesce

from contrat import territoires
from contrat.models import Contrat, Partenaire
from engagements.filters import CHOIX_MAX
from engagements.models import Nature
from noyau.formulaires import DsfrFormMixin

from .calculs import Filtres


class FiltresForm(DsfrFormMixin, forms.Form):
    region = forms.ChoiceField(label="Région", required=False)
    departement = forms.ChoiceField(label="Département", required=False)
    contrat = forms.ChoiceField(label="Contrat", required=False)
    partenaire = forms.CharField(label="Organisation", required=False)
    nature_partenaire = forms.ChoiceField(
        label="Nature de l'organisation", required=False, choices=[("", "Toutes")] + Partenaire.Nature.choices
    )
    annee = forms.TypedChoiceField(label="Année", coerce=int, required=False)
    nature = forms.ChoiceField(label="Engagements", choices=Nature.choices, required=False)

    def __init__(self, data, *, portee, jour):
        super().__init__(data)
        self.portee = portee
        self.fields["region"].choices = [("", "Toutes")] + [
            (code, f"{code} — {nom}") for code, nom in sorted(territoires.REGIONS.items(), key=lambda i: i[1])
        ]
        self.fields["departement"].choices = [("", "Tous")] + [
            (code, f"{code} — {nom}") for code, (nom, _) in territoires.DEPARTEMENTS.items()
        ]
        contrats = portee.contrats(Contrat.objects.all())
        # The years of the contracts read, from one aggregate over them.
        bornes = contrats.aggregate(debut=Min("annee_debut"), fin=Max(Coalesce("annee_fin_prolongation", "annee_fin")))
        annees = list(range(bornes["debut"], bornes["fin"] + 1)) if bornes["debut"] else [jour.year]
        self.annee_par_defaut = jour.year if jour.year in annees else annees[-1]
        self.fields["annee"].choices = [(a, a) for a in annees]
        self.fields["annee"].error_messages["invalid_choice"] = (
            "Aucun des contrats que vous lisez ne couvre cette année."
        )
        choisi = (data or {}).get("contrat")
        lus = list(contrats.order_by("nom").values_list("slug", "nom")[: CHOIX_MAX + 1])
        if len(lus) > CHOIX_MAX:
            self.fields["contrat"].help_text = f"Plus de {CHOIX_MAX} contrats : choisissez d'abord une région."
            lus = list(contrats.filter(slug=choisi).values_list("slug", "nom")[:1]) if choisi else []
        self.fields["contrat"].choices = [("", "Tous")] + lus
        self.fields["partenaire"].help_text = "Son identifiant (« caf-21 ») ou son SIREN."
        for nom, champ in self.fields.items():
            if nom != "annee":
                champ.error_messages["invalid_choice"] = "Ce choix n'existe pas : choisissez dans la liste."

    def clean_contrat(self):
        slug = self.cleaned_data["contrat"]
        if not slug:
            return None
        contrat = self.portee.contrats(Contrat.objects.all()).filter(slug=slug).first()
        if contrat is None:
            raise ValidationError("Ce contrat n'est pas de ceux que vous lisez.")
        return contrat

    def clean_partenaire(self):
        texte = self.cleaned_data["partenaire"].strip()
        if not texte:
            return None
        partenaire = Partenaire.objects.filter(Q(slug=texte.lower()) | Q(siren=texte.replace(" ", ""))).first()
        if partenaire is None:
            raise ValidationError(f"Aucune organisation n'a l'identifiant ou le SIREN « {texte} ».")
        return partenaire

    def filtres(self):
        d = self.cleaned_data
        return Filtres(
            annee=d.get("annee") or self.annee_par_defaut,
            nature=d.get("nature") or Nature.PREVISIONNEL,
            region=d.get("region") or "",
            departement=d.get("departement") or "",
            contrat=d.get("contrat"),
            partenaire=d.get("partenaire"),
            nature_partenaire=d.get("nature_partenaire") or "",
        )
