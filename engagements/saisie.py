"""The entry grid: every line of a partner's contribution for a year, in one table, in one submit.

Each row carries the id and the version of its estimate. On saving, a row left as the page
showed it is not written; a changed row is written through `versions.modifier_en_nombre`
(compare-and-set, lock rule, one history entry per row) with all the others in a fixed number
of queries; a row a colleague changed since is refused and shown with the colleague's values,
while the other rows are saved. Works without JavaScript: new lines are blank rows at the foot.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contrat.models import Objectif, Quartier
from noyau import historique, versions
from noyau.formulaires import DsfrFormMixin
from noyau.montants import MontantField, euros

from .annexe import somme
from .forms import PeriodeMixin
from .models import Dispositif, Estimation

NOUVEAU = "nouveau"
LIGNES_VIDES = 3
LIGNES_VIDES_MAX = 50
CHAMPS = ["montant_annuel", "remarque_annuelle", "montant_pluriannuel", "periode_debut", "periode_fin"]


class LigneForm(PeriodeMixin, DsfrFormMixin, forms.Form):
    """One row of the grid: an existing line (id, version) or a new one (its dispositif)."""

    pk = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    dispositif = forms.ChoiceField(
        label="Dispositif",
        required=False,
        error_messages={
            "invalid_choice": "Ce dispositif n'est plus proposé : il a déjà une ligne cette année (rechargez la page)."
        },
    )
    intitule = forms.CharField(label="Intitulé du nouveau dispositif", required=False, max_length=500)
    # The signed annexe's « Unité de compte (le cas échéant) », and the quartiers the line targets.
    unite_compte = forms.CharField(label="Unité de compte (le cas échéant)", required=False, max_length=500)
    quartiers = forms.ModelMultipleChoiceField(
        label="Quartiers ciblés",
        queryset=Quartier.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 3}),
        error_messages={"invalid_choice": "Ce quartier n'est pas dans le périmètre de ce contrat."},
    )
    objectifs = forms.ModelMultipleChoiceField(
        label="Objectifs opérationnels",
        queryset=Objectif.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 3}),
        error_messages={"invalid_choice": "Cet objectif n'appartient pas à ce contrat."},
    )
    montant_annuel = MontantField(label="Montant annuel (€)", required=False)
    remarque_annuelle = forms.CharField(label="Remarque", required=False, max_length=2000)
    montant_pluriannuel = MontantField(label="Montant pluriannuel (€)", required=False)
    periode_debut = forms.IntegerField(
        label="Période : début", required=False, error_messages={"invalid": "Saisissez une année, par exemple 2015."}
    )
    periode_fin = forms.IntegerField(
        label="Période : fin", required=False, error_messages={"invalid": "Saisissez une année, par exemple 2017."}
    )
    supprimer = forms.BooleanField(label="Supprimer la ligne", required=False)

    def __init__(self, *args, grille, **kwargs):
        super().__init__(*args, **kwargs)
        self.grille = grille
        self.estimation = None
        pk = self.initial.get("pk") if not self.is_bound else self.data.get(self.add_prefix("pk"))
        if pk not in (None, ""):
            self.estimation = grille.lignes.get(_entier(pk))
        if self.existante:
            for nom in ("dispositif", "intitule", "objectifs", "unite_compte", "quartiers"):
                del self.fields[nom]
        else:
            del self.fields["supprimer"]
            self.fields["dispositif"].choices = grille.choix_dispositifs
            self.fields["objectifs"].queryset = grille.objectifs
            # Read once for the whole grid, not once per blank row.
            self.fields["objectifs"].choices = grille.choix_objectifs
            self.fields["objectifs"].label = grille.contrat.niveau_3  # the contract's words (« Actions »…)
            self.fields["quartiers"].queryset = grille.quartiers
            self.fields["quartiers"].choices = grille.choix_quartiers

    @property
    def nom_de_ligne(self):
        """What a screen reader hears after each field's label: the row's dispositif ("" for a new row)."""
        return self.estimation.dispositif.intitule if self.estimation is not None else ""

    @property
    def existante(self):
        return bool(self.initial.get("pk") if not self.is_bound else self.data.get(self.add_prefix("pk")))

    @property
    def contrat(self):
        return self.grille.contrat

    def clean(self):
        donnees = super().clean()
        self._verifier_periode(donnees)
        if self.existante:
            # (A row deleted since the page was read has no estimate: the grid reports it as a conflict.)
            if donnees.get("version") is None:
                raise ValidationError("Demande incomplète : rechargez la page et recommencez.")
        elif self.has_changed():
            choix = donnees.get("dispositif")
            if not choix:
                self.add_error(
                    "dispositif",
                    "Choisissez le dispositif de cette ligne, ou « Nouveau dispositif » avec son intitulé.",
                )
            elif choix == NOUVEAU and not (donnees.get("intitule") or "").strip():
                self.add_error("intitule", "Donnez l'intitulé du nouveau dispositif.")
        return donnees

    def valeurs(self):
        return {
            c: self.cleaned_data.get(c) if c != "remarque_annuelle" else (self.cleaned_data.get(c) or "")
            for c in CHAMPS
        }


def _entier(texte):
    try:
        return int(texte)
    except (TypeError, ValueError):
        return None


class BaseGrille(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        vus = {}
        for form in self.forms:
            choix = form.cleaned_data.get("dispositif") if not form.existante and form.has_changed() else None
            if choix and choix != NOUVEAU:
                if choix in vus:
                    form.add_error("dispositif", "Ce dispositif figure déjà sur une autre ligne de la grille.")
                vus[choix] = form


def _grille(extra=0):
    return forms.formset_factory(
        LigneForm, formset=BaseGrille, extra=extra, max_num=5000, absolute_max=5000, validate_max=True
    )


@dataclass
class Refus:
    """A row not saved: what the user typed, and the row as it is now (None: deleted)."""

    estimation: Estimation | None
    saisies: dict
    par: str
    le: object

    @property
    def resume(self):
        """What the user typed, as a sentence."""
        s = self.saisies
        morceaux = [
            f"montant annuel {euros(s['montant_annuel']) or 'vide'}",
            f"montant pluriannuel {euros(s['montant_pluriannuel']) or 'vide'}",
        ]
        if s.get("remarque_annuelle"):
            morceaux.append(f"remarque « {s['remarque_annuelle']} »")
        return ", ".join(morceaux)


class Saisie:
    """The grid of one partner, contract and year."""

    def __init__(self, contrat, partenaire, annee, lignes_vides=LIGNES_VIDES):
        self.contrat, self.partenaire, self.annee = contrat, partenaire, annee
        self.lignes_vides = lignes_vides
        qs = (
            Estimation.objects.du_contrat(contrat)
            .filter(partenaire=partenaire, annee=annee)
            .select_related("dispositif__contrat")
            .prefetch_related("dispositif__objectifs")
            .order_by("dispositif__ordre", "dispositif__pk")
        )
        self.lignes = {e.pk: e for e in qs}
        precedentes = Estimation.objects.filter(contrat=contrat, partenaire=partenaire, annee=annee - 1)
        self.precedent = dict(precedentes.values_list("dispositif_id", "montant_annuel"))
        self.objectifs = (
            Objectif.objects.filter(
                orientation__pilier__contrat=contrat,
                archive=False,
                orientation__archive=False,
                orientation__pilier__archive=False,
            )
            .select_related("orientation__pilier__contrat")
            .order_by("orientation__pilier__ordre", "orientation__ordre", "ordre")
        )
        self.choix_objectifs = [(o.pk, o.libelle) for o in self.objectifs]
        self.quartiers = Quartier.objects.filter(perimetres__contrat=contrat).select_related("commune").order_by("nom")
        self.choix_quartiers = [(q.pk, f"{q.nom} ({q.commune.nom})") for q in self.quartiers]
        pris = {e.dispositif_id for e in self.lignes.values()}
        disponibles = [
            d
            for d in Dispositif.objects.filter(contrat=contrat, partenaire=partenaire, archive=False)
            if d.pk not in pris
        ]
        self.choix_dispositifs = [("", "— Choisir —"), (NOUVEAU, "Nouveau dispositif (intitulé ci-contre)")] + [
            (str(d.pk), d.libelle) for d in disponibles
        ]
        self.disponibles = {str(d.pk): d for d in disponibles}

    @property
    def total_annuel(self):
        return somme(e.montant_annuel for e in self.lignes.values())

    @property
    def total_precedent(self):
        return somme(self.precedent.values())

    @property
    def sans_montant(self):
        return [e for e in self.lignes.values() if e.montant_annuel is None]

    def initial(self):
        return [{"pk": e.pk, "version": e.version, **{c: getattr(e, c) for c in CHAMPS}} for e in self.lignes.values()]

    def formset(self, data=None):
        initial = self.initial()
        if data is None:
            grille = _grille(self.lignes_vides)(initial=initial, prefix="lignes", form_kwargs={"grille": self})
        else:
            grille = _grille()(data, prefix="lignes", form_kwargs={"grille": self})
        for form in grille.forms:
            form.precedent = self.precedent.get(form.estimation.dispositif_id) if form.estimation else None
        return grille

    def enregistrer(self, user, grille):
        """Writes the valid grid; returns (written rows, refused rows)."""
        modifiees, refus, nouvelles, supprimees = [], [], [], []
        for form in grille.forms:
            if form.existante:
                estimation = form.estimation
                version_lue = form.cleaned_data.get("version")
                if estimation is None:
                    refus.append(_refus(None, form))
                    continue
                if form.cleaned_data.get("supprimer"):
                    supprimees.append((estimation, version_lue, form))
                    continue
                saisies = form.valeurs()
                if all(getattr(estimation, c) == v for c, v in saisies.items()):
                    continue  # as it is now: nothing to write
                if version_lue != estimation.version:
                    lu = historique.etat_a_la_version(Estimation, estimation.pk, version_lue) if version_lue else None
                    ecrit = historique.instantane(_avec(_copie(estimation), saisies))
                    if lu is not None and historique.memes_champs(lu, ecrit):
                        continue  # the user left it as the page showed it: someone else's change stands
                modifiees.append((_avec(_copie(estimation), saisies), version_lue, form))
            elif form.has_changed():
                nouvelles.append(form)
        ecrites = 0
        with transaction.atomic():
            for estimation, version_lue, form in supprimees:
                try:
                    versions.supprimer(user, estimation, version_lue)
                    ecrites += 1
                except versions.Conflit as erreur:
                    refus.append(_refus(erreur.actuel, form, erreur))
            conflits = versions.modifier_en_nombre(user, [(e, v) for e, v, _ in modifiees])
            for estimation, _, form in modifiees:
                if estimation.pk in conflits:
                    refus.append(_refus(conflits[estimation.pk].actuel, form, conflits[estimation.pk]))
                else:
                    ecrites += 1
            ecrites += self._creer(user, nouvelles)
        return ecrites, refus

    def _creer(self, user, forms_):
        if not forms_:
            return 0
        estimations = []
        for form in forms_:
            choix = form.cleaned_data["dispositif"]
            if choix == NOUVEAU:
                dispositif = Dispositif(
                    contrat=self.contrat,
                    partenaire=self.partenaire,
                    intitule=form.cleaned_data["intitule"].strip(),
                    unite_compte=form.cleaned_data["unite_compte"].strip(),
                    code=f"d-{timezone.now():%Y%m%d%H%M%S%f}",
                    ordre=_ordre_suivant(self.contrat),
                )
                m2m = {
                    "objectifs": list(form.cleaned_data["objectifs"]),
                    "quartiers": list(form.cleaned_data["quartiers"]),
                }
                versions.creer(user, dispositif, m2m)
            else:
                dispositif = self.disponibles[choix]
            estimations.append(
                Estimation(dispositif=dispositif, partenaire=self.partenaire, annee=self.annee, **form.valeurs())
            )
        versions.creer_en_nombre(user, estimations, source=versions.Source.FORMULAIRE, detail="Grille de saisie")
        return len(estimations)

    def reprendre(self, user):
        """Starts the year from last year's lines: the same dispositifs and periods, amounts left blank
        (unknown) for the partner to confirm; lines that already exist this year are left alone."""
        pris = {e.dispositif_id for e in self.lignes.values()}
        anciennes = (
            Estimation.objects.filter(
                contrat=self.contrat,
                dispositif__archive=False,
                partenaire=self.partenaire,
                annee=self.annee - 1,
            )
            .exclude(dispositif_id__in=pris)
            .select_related("dispositif")
            .order_by("dispositif__ordre", "dispositif__pk")
        )
        nouvelles = [
            Estimation(
                dispositif=e.dispositif,
                partenaire=self.partenaire,
                annee=self.annee,
                periode_debut=e.periode_debut,
                periode_fin=e.periode_fin,
            )
            for e in anciennes
        ]
        for e in nouvelles:
            # A period that ended before the year is not this year's projection.
            if e.periode_fin is not None and e.periode_fin < self.annee:
                e.periode_debut = e.periode_fin = None
        versions.creer_en_nombre(
            user, nouvelles, source=versions.Source.FORMULAIRE, detail=f"Reprise des lignes de {self.annee - 1}"
        )
        return len(nouvelles)


def _ordre_suivant(contrat):
    dernier = contrat.dispositifs.order_by("-ordre").values_list("ordre", flat=True).first()
    return (dernier or 0) + 10


def _copie(estimation):
    copie = Estimation(pk=estimation.pk, version=estimation.version)
    for champ in Estimation.suivi.champs:
        setattr(copie, champ, getattr(estimation, champ))
    copie.dispositif = estimation.dispositif
    return copie


def _avec(estimation, saisies):
    for champ, valeur in saisies.items():
        setattr(estimation, champ, valeur)
    return estimation


def _refus(actuel, form, erreur=None):
    derniere = getattr(erreur, "derniere", None)
    return Refus(
        estimation=actuel,
        saisies={c: form.cleaned_data.get(c) for c in CHAMPS},
        par=derniere.user_nom if derniere else "",
        le=derniere.date if derniere else None,
    )
