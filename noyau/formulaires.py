"""Form helpers of every app: DSFR classes, errors tied to their field, versions read."""

from django import forms

ENTIER_MAX = 2**63 - 1


def _demesure(valeur):
    texte = str(valeur).strip()
    return texte.lstrip("-").isdigit() and abs(int(texte)) > ENTIER_MAX


class _EntiersBornes:
    def _sans_entiers_demesures(self):
        """A choice among rows is looked up by id; a number no id can reach is not a choice. (SQLite cannot
        even be asked: an `id IN (…)` lookup with it raises.) It is replaced by a value read as an invalid
        choice, with the field's own French message."""
        if not self.is_bound:
            return
        donnees = None
        for nom, champ in self.fields.items():
            if not isinstance(champ, forms.ModelChoiceField):
                continue
            cle = self.add_prefix(nom)
            valeurs = self.data.getlist(cle) if hasattr(self.data, "getlist") else [self.data.get(cle)]
            if any(v is not None and _demesure(v) for v in valeurs):
                donnees = donnees or self.data.copy()
                if hasattr(donnees, "setlist"):
                    donnees.setlist(cle, ["choix-invalide"])
                else:
                    donnees[cle] = "choix-invalide"
        if donnees is not None:
            self.data = donnees


class DsfrFormMixin(_EntiersBornes):
    """Gives every widget its DSFR class, and ties each error to its field for screen readers."""

    classes = {
        forms.Select: "fr-select",
        forms.SelectMultiple: "fr-select",
        forms.CheckboxInput: "",
        forms.CheckboxSelectMultiple: "",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for nom, champ in self.fields.items():
            classe = next((c for w, c in self.classes.items() if isinstance(champ.widget, w)), "fr-input")
            if classe:
                champ.widget.attrs["class"] = f"{champ.widget.attrs.get('class', '')} {classe}".strip()

    @property
    def legende(self):
        """What a row of a formset already holds, for its legend (« » for a new row). Not `f.instance`
        in a template: an inline form's foreign key may be a field named `instance`."""
        objet = getattr(self, "instance", None)
        if objet is None or not objet.pk:
            return ""
        return getattr(objet, "designation", None) or str(objet)

    def full_clean(self):
        self._sans_entiers_demesures()
        super().full_clean()
        for nom in self.errors:
            if nom in self.fields:
                widget = self.fields[nom].widget
                # The error first, then the help text (Django points at it; the templates give it this id).
                ids = [f"id_{self.add_prefix(nom)}-erreurs"]
                if self.fields[nom].help_text:
                    ids.append(f"id_{self.add_prefix(nom)}_helptext")
                widget.attrs["aria-describedby"] = " ".join(ids)
                widget.attrs["aria-invalid"] = "true"


class FormulaireFiltre(DsfrFormMixin, forms.Form):
    """The form of a list's filters (django-filter's `Meta.form`): DSFR fields like every other form."""


class LignesStrictes:
    """A model formset answers only for the rows it showed: a row whose hidden id is not one of them (another
    contract's row, a row deleted since, a tampered count) is refused, never saved as a new row."""

    message_etrangere = (
        "Une ligne envoyée n'est pas une ligne de ce formulaire (supprimée entre-temps, ou "
        "modifiée hors de la page) : rien n'est enregistré. Rechargez la page et recommencez."
    )

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.is_bound:
            posee = self.data.get(f"{self.add_prefix(i)}-{self.model._meta.pk.name}")
            existante = i < self.initial_form_count()
            if (existante and form.instance.pk is None) or (not existante and posee not in (None, "")):
                self.lignes_etrangeres = True
        return form

    def clean(self):
        super().clean()
        if getattr(self, "lignes_etrangeres", False):
            raise forms.ValidationError(self.message_etrangere, code="ligne_etrangere")


class LignesStrictesInline(LignesStrictes, forms.BaseInlineFormSet):
    pass


def formulaires_refuses(*formulaires):
    """Whether one of these bound forms or formsets was refused: the page is then answered 400."""
    return any(f.is_bound and not f.is_valid() for f in formulaires)


class OrdreFormSet(LignesStrictes, forms.BaseInlineFormSet):
    """New rows go after the existing ones: `ordre` is the rank the source gave them."""

    def save_new(self, form, commit=True):
        objet = form.save(commit=False)
        dernier = self.model.objects.filter(**{self.fk.name: self.instance}).order_by("-ordre").first()
        objet.ordre = (dernier.ordre if dernier else 0) + 1
        if commit:
            objet.save()
        return objet


class VersionMixin(forms.Form):
    """The version the user read: a save against a newer one is refused (no lost update)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def sans_erreurs(*formulaires):
    """Forms and formsets shown again with what was typed but no error yet (the user asked for more
    rows, not to save): their errors are set as already checked and empty."""
    from django.forms.utils import ErrorDict

    for f in formulaires:
        if isinstance(f, forms.BaseFormSet):
            f._errors, f._non_form_errors = [], f.error_class()
            sans_erreurs(*f.forms)
        else:
            f._errors = ErrorDict()
