from django import forms
from django.core.exceptions import ValidationError

from engagements.models import AIDE_CIBLE, AIDE_INDICATEUR
from noyau.formulaires import DsfrFormMixin

from .models import Tenue


class TenueForm(DsfrFormMixin, forms.Form):
    """One commitment in one year: its measure (kept by the commitment) and what became of it.
    `version` and `version_engagement` are the versions the page read (0: no follow-up yet)."""

    indicateur = forms.CharField(label="Mesure (indicateur)", max_length=300, required=False, help_text=AIDE_INDICATEUR)
    cible = forms.CharField(label="Cible", max_length=200, required=False, help_text=AIDE_CIBLE)
    statut = forms.ChoiceField(
        label="L'engagement a-t-il été tenu ?",
        required=False,
        choices=[("", "— À renseigner —"), *Tenue.Statut.choices],
    )
    valeur = forms.CharField(
        label="Valeur atteinte",
        max_length=200,
        required=False,
        help_text="Ce que la mesure a donné cette année : « 128 familles ».",
    )
    commentaire = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    version_engagement = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, ligne, annee, **kwargs):
        self.ligne = ligne
        tenue, engagement = ligne.tenue, ligne.engagement
        kwargs.setdefault(
            "initial",
            {
                "indicateur": engagement.indicateur,
                "cible": engagement.cible,
                "statut": tenue.statut if tenue else "",
                "valeur": tenue.valeur if tenue else "",
                "commentaire": tenue.commentaire if tenue else "",
                "version": tenue.version if tenue else 0,
                "version_engagement": engagement.version,
            },
        )
        super().__init__(*args, prefix=ligne.cle, **kwargs)
        self.fields["statut"].label = f"En {annee}, l'engagement a-t-il été tenu ?"
        self.fields["valeur"].label = f"Valeur atteinte en {annee}"
        self.fields["commentaire"].label = f"Commentaire sur {annee}"

    def clean(self):
        donnees = super().clean()
        deja = self.ligne.tenue is not None
        dit_quelque_chose = donnees.get("valeur") or donnees.get("commentaire")
        if not donnees.get("statut") and (deja or dit_quelque_chose):
            self.add_error(
                "statut", "Dites si l'engagement a été tenu (choisissez « Non évalué » si on ne peut pas le dire)."
            )
        return donnees

    @property
    def mesure_changee(self):
        return any(n in self.changed_data for n in ("indicateur", "cible"))

    @property
    def tenue_changee(self):
        return bool(self.cleaned_data.get("statut")) and any(
            n in self.changed_data for n in ("statut", "valeur", "commentaire")
        )


class MotifForm(DsfrFormMixin, forms.Form):
    motif = forms.CharField(label="Ce qu'il faut revoir", widget=forms.Textarea(attrs={"rows": 2}))

    def clean_motif(self):
        motif = self.cleaned_data["motif"].strip()
        if not motif:
            raise ValidationError("Dites au partenaire ce qu'il faut revoir.")
        return motif


class FiltreForm(DsfrFormMixin, forms.Form):
    """Which commitments the page shows: one partner's, those awaiting a word or a validation."""

    ETATS = [
        ("", "Tous"),
        ("a_renseigner", "À renseigner ou renvoyés"),
        ("a_valider", "À valider"),
        ("valide", "Validés"),
    ]

    partenaire = forms.ChoiceField(label="Partenaire", required=False)
    etat = forms.ChoiceField(label="Où en est le suivi", required=False, choices=ETATS)

    def __init__(self, *args, partenaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].choices = [
            ("", "Tous"),
            *[(p.slug, p.nom) if p else ("communs", "Engagements communs des parties") for p in partenaires],
        ]

    def garde(self, ligne):
        donnees = self.cleaned_data if self.is_valid() else {}
        partenaire, etat = donnees.get("partenaire"), donnees.get("etat")
        if partenaire and partenaire != (ligne.partenaire.slug if ligne.partenaire else "communs"):
            return False
        tenue = ligne.tenue
        if etat == "a_renseigner":
            return tenue is None or tenue.etat == Tenue.Etat.RENVOYE
        if etat in ("a_valider", "valide"):
            return tenue is not None and tenue.etat == etat
        return True
