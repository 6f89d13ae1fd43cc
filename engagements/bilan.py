"""The bilan of a year: for each line its partner planned, what it actually mobilised.

One grid per partner, contract and year, as for the planned amounts: each row carries the line
and the version of what was reported (0: nothing reported yet). A row left as the page showed it
is not written; the others go through the write service (`noyau.versions`: compare-and-set, the
bilan's lock, one history entry per row). An amount left blank is not known: NULL, never 0, and
the synthèse does not count it.
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.db import transaction

from noyau import versions
from noyau.formulaires import DsfrFormMixin
from noyau.montants import MontantField, euros

from .models import Estimation, Realisation, realisation_de, taux


class RealiseForm(DsfrFormMixin, forms.Form):
    ligne = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    montant_realise = MontantField(label="Montant réalisé (€)", required=False)
    remarque = forms.CharField(label="Remarque", required=False, max_length=2000)

    def __init__(self, *args, bilan, **kwargs):
        super().__init__(*args, **kwargs)
        ligne = self.initial.get("ligne") if not self.is_bound else self.data.get(self.add_prefix("ligne"))
        try:
            self.estimation = bilan.lignes.get(int(ligne))
        except (TypeError, ValueError):
            self.estimation = None

    def clean(self):
        donnees = super().clean()
        if self.estimation is None:
            raise forms.ValidationError("Cette ligne n'appartient pas à ce bilan (rechargez la page).")
        return donnees


def _grille():
    return forms.formset_factory(RealiseForm, extra=0, max_num=5000, absolute_max=5000, validate_max=True)


@dataclass
class Refus:
    """A row not saved because a colleague reported it since: what the user typed."""

    estimation: Estimation
    montant_realise: Decimal | None
    remarque: str

    @property
    def resume(self):
        texte = f"montant réalisé {euros(self.montant_realise) or 'inconnu'}"
        return texte + (f", remarque « {self.remarque} »" if self.remarque else "")


class Bilan:
    """The bilan grid of one partner, contract and year."""

    def __init__(self, contrat, partenaire, annee):
        self.contrat, self.partenaire, self.annee = contrat, partenaire, annee
        qs = (
            Estimation.objects.du_contrat(contrat)
            .filter(partenaire=partenaire, annee=annee)
            .select_related("dispositif__contrat", "realisation")
            .order_by("dispositif__ordre", "dispositif__pk")
        )
        self.lignes = {e.pk: e for e in qs}

    @property
    def taux(self):
        return taux(self.lignes.values())

    def initial(self):
        lignes = []
        for e in self.lignes.values():
            r = realisation_de(e)
            lignes.append(
                {
                    "ligne": e.pk,
                    "version": r.version if r else 0,
                    "montant_realise": r.montant_realise if r else None,
                    "remarque": r.remarque if r else "",
                }
            )
        return lignes

    def formset(self, data=None):
        if data is None:
            return _grille()(initial=self.initial(), prefix="bilan", form_kwargs={"bilan": self})
        return _grille()(data, prefix="bilan", form_kwargs={"bilan": self})

    def enregistrer(self, user, grille):
        """Writes the valid grid; returns (written rows, refused rows)."""
        nouvelles, modifiees, refus = [], [], []
        for form in grille.forms:
            e, d = form.estimation, form.cleaned_data
            montant, remarque = d.get("montant_realise"), (d.get("remarque") or "").strip()
            actuelle = realisation_de(e)
            if d["version"] == 0:
                if actuelle is not None:  # reported by a colleague since the page was read
                    if (actuelle.montant_realise, actuelle.remarque) != (montant, remarque):
                        refus.append(Refus(e, montant, remarque))
                elif montant is not None or remarque:
                    nouvelles.append(Realisation(estimation=e, montant_realise=montant, remarque=remarque))
            elif actuelle is None or (actuelle.montant_realise, actuelle.remarque) != (montant, remarque):
                copie = Realisation(
                    pk=actuelle.pk if actuelle else None,
                    estimation=e,
                    montant_realise=montant,
                    remarque=remarque,
                    version=d["version"],
                )
                modifiees.append((copie, d["version"]))
        with transaction.atomic():
            conflits = versions.modifier_en_nombre(user, modifiees) if modifiees else {}
            refus += [Refus(r.estimation, r.montant_realise, r.remarque) for r, _ in modifiees if r.pk in conflits]
            if nouvelles:
                versions.creer_en_nombre(user, nouvelles, source=versions.Source.FORMULAIRE, detail="Bilan")
        return len(nouvelles) + len(modifiees) - len(conflits), refus
