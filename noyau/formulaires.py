"""Form helpers of every app: DSFR classes, errors tied to their field, versions read."""

from django import forms


class DsfrFormMixin:
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

    def full_clean(self):
        super().full_clean()
        for nom in self.errors:
            if nom in self.fields:
                widget = self.fields[nom].widget
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(nom)}-erreurs"
                widget.attrs["aria-invalid"] = "true"


class OrdreFormSet(forms.BaseInlineFormSet):
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
