from django import forms

from gouvernance.models import Avis
from noyau import bornes
from noyau.formulaires import DsfrFormMixin, VersionMixin

DATE = {"type": "date"}


class AvisForm(DsfrFormMixin, VersionMixin, forms.ModelForm):
    """A conseil citoyen's opinion on the report: the day it was sent, then (within a month) the opinion."""

    class Meta:
        model = Avis
        fields = ["conseil", "envoye_le", "recu_le", "texte"]
        widgets = {
            "envoye_le": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "recu_le": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "texte": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "conseil": {"required": "Nommez le conseil citoyen, par exemple « Conseil citoyen des Grésilles »."},
            "envoye_le": {
                "required": "Indiquez le jour où le rapport lui a été envoyé.",
                "invalid": "Saisissez une date au format AAAA-MM-JJ, par exemple 2020-03-02.",
            },
            "recu_le": {"invalid": "Saisissez une date au format AAAA-MM-JJ, par exemple 2020-03-20."},
        }
        help_texts = {
            "recu_le": "Vide tant qu'aucun avis n'est reçu : un mois après l'envoi, l'avis est réputé favorable.",
            "texte": "L'avis tel que le conseil citoyen l'a rendu.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for nom in ("envoye_le", "recu_le"):
            self.fields[nom].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        if self.instance.pk is None:
            self.fields["version"].required = False

    def clean_envoye_le(self):
        return bornes.date(self.cleaned_data.get("envoye_le"))

    def clean_recu_le(self):
        return bornes.date(self.cleaned_data.get("recu_le"))

    def clean(self):
        donnees = super().clean()
        envoye, recu = donnees.get("envoye_le"), donnees.get("recu_le")
        if envoye and recu and recu < envoye:
            self.add_error("recu_le", "L'avis ne peut pas être reçu avant l'envoi du rapport.")
        return donnees
