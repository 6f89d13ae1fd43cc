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
