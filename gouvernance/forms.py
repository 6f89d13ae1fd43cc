from django import forms
from django.core.exceptions import ValidationError

from contrat.models import Partenaire
from engagements.models import Dispositif
from fiches.models import Fiche
from noyau import bornes
from noyau.formulaires import DsfrFormMixin, OrdreFormSet, VersionMixin
from noyau.jetons import JetonMixin

from .models import Decision, Instance, Membre, Presence, Seance

EXTENSIONS = (".pdf", ".odt", ".doc", ".docx", ".ods", ".xls", ".xlsx", ".txt")
TAILLE_MAX = 10 * 1024 * 1024
# What each kind of file begins with: the name alone proves nothing (an HTML page named .pdf).
SIGNATURES = {
    ".pdf": (b"%PDF-",), ".odt": (b"PK\x03\x04",), ".ods": (b"PK\x03\x04",), ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",), ".doc": (b"\xd0\xcf\x11\xe0",), ".xls": (b"\xd0\xcf\x11\xe0",),
}
NOMS = {".pdf": "un PDF", ".txt": "du texte"}


def verifier_contenu(fichier, extension):
    """Raises a French ValidationError when the file's first bytes do not match its extension."""
    debut = fichier.read(4096)
    fichier.seek(0)
    if extension == ".txt":
        try:
            texte = debut.decode("utf-8")
        except UnicodeDecodeError:
            try:  # a cut in the middle of a character at the end of the sample
                texte = debut[:-3].decode("utf-8")
            except UnicodeDecodeError:
                texte = debut.decode("cp1252", errors="replace")
        if "\x00" in texte or any(ord(c) < 32 and c not in "\t\r\n\f" for c in texte):
            raise ValidationError("Le contenu de ce fichier n'est pas du texte : déposez-le au format pdf ou odt.")
    elif not debut.startswith(SIGNATURES[extension]):
        nom = NOMS.get(extension, f"un document {extension[1:]}")
        raise ValidationError(f"Le contenu de ce fichier n'est pas {nom} : vérifiez le fichier déposé.")


class SeanceForm(DsfrFormMixin, VersionMixin, JetonMixin, forms.ModelForm):
    class Meta:
        model = Seance
        fields = ["instance", "date", "heure", "lieu", "ordre_du_jour", "compte_rendu", "fichier"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "heure": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ordre_du_jour": forms.Textarea(attrs={"rows": 4}),
            "compte_rendu": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instance"].queryset = Instance.objects.filter(contrat=contrat)
        self.fields["date"].error_messages["invalid"] = "Saisissez une date, par exemple 12/10/2021 ou 2021-10-12."
        self.fields["heure"].error_messages["invalid"] = "Saisissez une heure au format HH:MM, par exemple 14:30."
        if not self.instance.pk:
            self.fields["version"].required = False

    def clean_date(self):
        return bornes.date(self.cleaned_data.get("date"))

    def clean_fichier(self):
        fichier = self.cleaned_data.get("fichier")
        if fichier and hasattr(fichier, "size"):
            extension = "." + fichier.name.lower().rsplit(".", 1)[-1] if "." in fichier.name else ""
            if extension not in EXTENSIONS:
                raise ValidationError("Déposez un PDF, un document texte ou un tableur (pdf, odt, doc, docx, ods, xls, xlsx, txt).")
            if fichier.size > TAILLE_MAX:
                raise ValidationError("Le fichier dépasse 10 Mo.")
            verifier_contenu(fichier, extension)
        return fichier


class DecisionForm(DsfrFormMixin, forms.ModelForm):
    # The version of the decision the page showed: the responsible partner may change its status meanwhile.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Decision
        fields = ["texte", "partenaire", "echeance", "statut", "fiches", "dispositifs"]
        widgets = {"texte": forms.Textarea(attrs={"rows": 2}),
                   "echeance": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   # Boxes to tick, not a list to Ctrl-click.
                   "fiches": forms.CheckboxSelectMultiple, "dispositifs": forms.CheckboxSelectMultiple}

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = Partenaire.objects.order_by("nom")
        self.fields["fiches"].queryset = Fiche.objects.filter(contrat=contrat)
        self.fields["dispositifs"].queryset = Dispositif.objects.filter(contrat=contrat, archive=False)
        self.fields["echeance"].error_messages["invalid"] = "Saisissez une date, par exemple 15/12/2021 ou 2021-12-15."
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def has_changed(self):
        return any(nom != "version" for nom in self.changed_data)

    def clean_echeance(self):
        return bornes.date(self.cleaned_data.get("echeance"))


class PresenceForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Presence
        fields = ["nom", "etat"]


def formsets(seance, contrat, data=None):
    options = {"extra": 3, "can_delete": True}  # three blank rows: several people or decisions in one go
    Decisions = forms.inlineformset_factory(Seance, Decision, form=DecisionForm, **options)
    Presences = forms.inlineformset_factory(Seance, Presence, form=PresenceForm, **options)
    return [
        ("Présences", Presences(data, instance=seance, prefix="presences")),
        ("Décisions", Decisions(data, instance=seance, prefix="decisions", form_kwargs={"contrat": contrat})),
    ]


class StatutDecisionForm(DsfrFormMixin, VersionMixin, forms.Form):
    statut = forms.ChoiceField(label="Statut", choices=Decision.Statut.choices)


class InstanceForm(DsfrFormMixin, VersionMixin, JetonMixin, forms.ModelForm):
    class Meta:
        model = Instance
        fields = ["nom", "nature", "colonne", "parent", "formation", "missions", "composition", "frequence",
                  "frequence_max", "periode", "mois", "duree", "selon_besoins", "rythme_source"]
        widgets = {"missions": forms.Textarea(attrs={"rows": 4}), "composition": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.contrat = contrat
        self.fields["parent"].queryset = Instance.objects.filter(contrat=contrat).exclude(pk=self.instance.pk)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            self.fields["version"].required = False

    def clean_mois(self):
        from .rythmes import groupes_de_mois

        mois = self.cleaned_data["mois"].strip()
        try:
            groupes_de_mois(mois)
        except ValueError:
            raise ValidationError("Écrivez les mois en chiffres : « 10 » pour octobre, « 3-4,11-12 » pour "
                                  "mars/avril et novembre/décembre.") from None
        return mois

    def clean(self):
        donnees = super().clean()
        frequence, maximum, periode = donnees.get("frequence"), donnees.get("frequence_max"), donnees.get("periode")
        for champ in ("frequence", "frequence_max"):
            if (donnees.get(champ) or 0) > bornes.REUNIONS_MAX:
                self.add_error(champ, f"Au plus {bornes.REUNIONS_MAX} réunions par période : pour un rythme plus "
                                      "soutenu, choisissez une période plus courte (par mois plutôt que par an).")
        if donnees.get("selon_besoins"):
            return donnees
        if frequence and not periode:
            self.add_error("periode", "Précisez la période : par mois, par trimestre, par an…")
        if periode and not frequence:
            self.add_error("frequence", "Précisez combien de réunions par période.")
        if frequence and maximum and maximum < frequence:
            self.add_error("frequence_max", "Le nombre maximal de réunions doit dépasser le nombre minimal.")
        if donnees.get("mois") and frequence and len(donnees["mois"].split(",")) != frequence and periode == "annee":
            self.add_error("mois", "Donnez autant de périodes de mois que de réunions par an.")
        return donnees


class MembreForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Membre
        fields = ["partenaire", "fonction", "preside"]

    def clean(self):
        donnees = super().clean()
        if not donnees.get("partenaire") and not donnees.get("fonction") and not donnees.get("DELETE"):
            raise ValidationError("Indiquez une organisation ou une fonction.")
        return donnees


def membres_formset(instance, data=None):
    Membres = forms.inlineformset_factory(Instance, Membre, form=MembreForm, formset=OrdreFormSet, extra=2, can_delete=True)
    return Membres(data, instance=instance, prefix="membres")
