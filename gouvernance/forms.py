from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from contrat.models import Partenaire
from engagements.models import Dispositif
from fiches.models import Fiche
from noyau import bornes
from noyau.formulaires import DsfrFormMixin, LignesStrictes, LignesStrictesInline, OrdreFormSet, VersionMixin
from noyau.jetons import JetonMixin

from .models import (
    COLONNES_PAR_DEFAUT,
    Colonne,
    Decision,
    Instance,
    Membre,
    Presence,
    Seance,
    cle_presence,
    colonnes_du_schema,
)
from .rythmes import groupes_de_mois

EXTENSIONS = (".pdf", ".odt", ".doc", ".docx", ".ods", ".xls", ".xlsx", ".txt")
TAILLE_MAX = 10 * 1024 * 1024
# What each kind of file begins with: the name alone proves nothing (an HTML page named .pdf).
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
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
        # An archived body holds no new séance; the one a séance already belongs to stays choosable.
        self.fields["instance"].queryset = Instance.objects.filter(contrat=contrat).filter(
            Q(archivee=False) | Q(pk=self.instance.instance_id)
        )
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
                raise ValidationError(
                    "Déposez un PDF, un document texte ou un tableur (pdf, odt, doc, docx, ods, xls, xlsx, txt)."
                )
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
        widgets = {
            "texte": forms.Textarea(attrs={"rows": 2}),
            "echeance": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            # Boxes to tick, not a list to Ctrl-click.
            "fiches": forms.CheckboxSelectMultiple,
            "dispositifs": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = Partenaire.objects.choix_du_contrat(contrat, self.instance.partenaire_id)
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
        fields = ["nom", "partenaire", "etat"]
        help_texts = {"nom": "« le Maire », « Mme Dupont, directrice »…"}

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = Partenaire.objects.choix_du_contrat(contrat, self.instance.partenaire_id)


class PresencesInline(LignesStrictesInline):
    """A person is present, excused, absent or invited, once: the same name of the same organisation on two
    rows (typed « présent » beside the « invité » row the convocation made) is refused, under the second."""

    def clean(self):
        super().clean()
        vus = {}
        for rang, form in enumerate(self.forms, 1):
            if form in self.deleted_forms or not hasattr(form, "cleaned_data") or not form.cleaned_data.get("nom"):
                continue
            partenaire = form.cleaned_data.get("partenaire")
            cle = cle_presence(form.cleaned_data["nom"], partenaire.pk if partenaire else None)
            if cle in vus:
                form.add_error(
                    "nom",
                    f"« {form.cleaned_data['nom']} » figure déjà dans les présences (ligne {vus[cle]}) : "
                    "changez son état sur cette ligne plutôt que de l'ajouter une seconde fois.",
                )
            else:
                vus[cle] = rang


def formsets(seance, contrat, data=None):
    options = {"extra": 3, "can_delete": True}  # three blank rows: several people or decisions in one go
    Decisions = forms.inlineformset_factory(
        Seance, Decision, form=DecisionForm, formset=LignesStrictesInline, **options
    )
    Presences = forms.inlineformset_factory(Seance, Presence, form=PresenceForm, formset=PresencesInline, **options)
    return [
        ("Présences", Presences(data, instance=seance, prefix="presences", form_kwargs={"contrat": contrat})),
        ("Décisions", Decisions(data, instance=seance, prefix="decisions", form_kwargs={"contrat": contrat})),
    ]


class StatutDecisionForm(DsfrFormMixin, VersionMixin, forms.Form):
    statut = forms.ChoiceField(label="Statut", choices=Decision.Statut.choices)


class InstanceForm(DsfrFormMixin, VersionMixin, JetonMixin, forms.ModelForm):
    class Meta:
        model = Instance
        fields = [
            "nom",
            "nature",
            "colonne",
            "parent",
            "formation",
            "lien",
            "instance_liee",
            "contrats_associes",
            "missions",
            "composition",
            "frequence",
            "au_moins",
            "frequence_max",
            "periode",
            "mois",
            "duree",
            "selon_besoins",
            "rythme_source",
        ]
        widgets = {
            "missions": forms.Textarea(attrs={"rows": 4}),
            "composition": forms.Textarea(attrs={"rows": 3}),
            "contrats_associes": forms.CheckboxSelectMultiple,
        }
        labels = {"frequence": "nombre de réunions (ou nombre minimal)"}

    def __init__(self, *args, contrat, contrats_offerts, **kwargs):
        super().__init__(*args, **kwargs)
        self.contrat = contrat
        colonnes = [("", "— aucune : « Autres instances » —"), *colonnes_du_schema(contrat)]
        if self.instance.colonne and self.instance.colonne not in dict(colonnes):  # a column removed since
            colonnes.append((self.instance.colonne, self.instance.colonne))
        self.fields["colonne"] = forms.ChoiceField(
            label="Colonne du schéma de gouvernance",
            choices=colonnes,
            required=False,
            widget=forms.Select(attrs={"class": "fr-select"}),
        )
        autres = Instance.objects.filter(contrat=contrat, archivee=False).exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = autres
        self.fields["instance_liee"].queryset = autres
        # Offered only to the contracts the user leads: another contract's chef accepts it there (PartageInstance).
        autres_contrats = contrats_offerts.exclude(pk=contrat.pk).order_by("nom")
        if autres_contrats.exists():
            self.fields["contrats_associes"].queryset = autres_contrats
        elif not (self.is_bound and self.data.get("contrats_associes")):  # nothing to share with: no empty boxes
            del self.fields["contrats_associes"]
        else:  # posted all the same: refused as a choice the page did not show
            self.fields["contrats_associes"].queryset = autres_contrats
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            self.fields["version"].required = False

    def clean_mois(self):
        mois = self.cleaned_data["mois"].strip()
        try:
            groupes_de_mois(mois)
        except ValueError:
            raise ValidationError(
                "Écrivez les mois en chiffres : « 10 » pour octobre, « 3-4,11-12 » pour "
                "mars/avril et novembre/décembre, « 11-2 » pour novembre à février."
            ) from None
        return mois

    def clean_parent(self):
        """A body cannot sit under one of its own sub-bodies: both would vanish from the scheme."""
        parent = self.cleaned_data.get("parent")
        ancetre, vus = parent, set()
        while ancetre is not None and ancetre.pk not in vus:
            if self.instance.pk and ancetre.pk == self.instance.pk:
                raise ValidationError(
                    f"« {parent.nom} » est déjà rattachée à « {self.instance.nom} » : une instance "
                    "ne peut pas dépendre de l'une de ses propres sous-instances."
                )
            vus.add(ancetre.pk)
            ancetre = ancetre.parent
        return parent

    def clean(self):
        donnees = super().clean()
        frequence, maximum, periode = donnees.get("frequence"), donnees.get("frequence_max"), donnees.get("periode")
        for champ in ("frequence", "frequence_max"):
            if (donnees.get(champ) or 0) > bornes.REUNIONS_MAX:
                self.add_error(
                    champ,
                    f"Au plus {bornes.REUNIONS_MAX} réunions par période : pour un rythme plus "
                    "soutenu, choisissez une période plus courte (par mois plutôt que par an).",
                )
        if bool(donnees.get("lien")) != bool(donnees.get("instance_liee")):
            champ = "instance_liee" if donnees.get("lien") else "lien"
            self.add_error(champ, "Choisissez à la fois le lien (prépare, instruit) et l'instance qu'il concerne.")
        liee = donnees.get("instance_liee")
        if liee is not None and self.instance.pk and liee.instance_liee_id == self.instance.pk:
            self.add_error(
                "instance_liee",
                f"« {liee.nom} » {liee.get_lien_display()} celle-ci : deux instances ne "
                "peuvent pas se préparer l'une l'autre.",
            )
        if donnees.get("selon_besoins"):
            return donnees
        if frequence and not periode:
            self.add_error("periode", "Précisez la période : par mois, par trimestre, par an…")
        if periode and not frequence:
            self.add_error("frequence", "Précisez combien de réunions par période.")
        if frequence and maximum:
            if maximum < frequence:
                self.add_error(
                    "frequence_max", "Le nombre maximal de réunions doit être au moins égal au nombre minimal."
                )
            elif maximum == frequence:
                donnees["frequence_max"] = None  # « 2 à 2 fois » is « 2 fois »
            elif donnees.get("au_moins"):
                self.add_error(
                    "au_moins",
                    "« Au moins » et un nombre maximal se contredisent : pour « 1 à 3 fois », "
                    "donnez le minimum et le maximum sans cocher « au moins ».",
                )
        if donnees.get("mois") and "mois" not in self.errors:
            if periode and periode != "annee":
                self.add_error(
                    "mois",
                    "Les mois préférés se donnent pour un rythme annuel : pour « 1 fois par semestre, "
                    "en mars et en septembre », choisissez 2 réunions par an et les mois « 3,9 ».",
                )
            elif frequence and len(groupes_de_mois(donnees["mois"])) > frequence:
                # Fewer is allowed (« a minima 3 fois par an : mars, juin, … »: the months the document knows).
                self.add_error(
                    "mois",
                    "Plus de périodes de mois que de réunions par an : « 3-4,11-12 » pour 2 réunions, en "
                    "mars/avril et en novembre/décembre ; moins, si le document n'en nomme que quelques-unes.",
                )
        return donnees


class MembreForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Membre
        fields = ["partenaire", "fonction", "groupe", "role"]
        labels = {"role": "préside ou anime"}

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = Partenaire.objects.choix_du_contrat(contrat, self.instance.partenaire_id)

    def clean(self):
        donnees = super().clean()
        if donnees.get("DELETE"):
            return donnees
        groupe, partenaire = donnees.get("groupe"), donnees.get("partenaire")
        if not partenaire and not donnees.get("fonction") and not groupe:
            raise ValidationError("Indiquez une organisation, une fonction ou un groupe.")
        if groupe == Membre.Groupe.AGENTS and not partenaire:
            self.add_error("partenaire", "Choisissez l'organisation dont les agents sont membres.")
        if groupe in (Membre.Groupe.SIGNATAIRES, Membre.Groupe.FINANCEURS) and partenaire:
            self.add_error(
                "partenaire",
                f"« {Membre.Groupe(groupe).label} » désigne plusieurs organisations : laissez l'organisation vide.",
            )
        return donnees


LIGNES_EN_PLUS = 5


def membres_formset(instance, contrat, data=None):
    Membres = forms.inlineformset_factory(
        Instance, Membre, form=MembreForm, formset=OrdreFormSet, extra=3, can_delete=True
    )
    return Membres(data, instance=instance, prefix="membres", form_kwargs={"contrat": contrat})


class ColonneForm(DsfrFormMixin, forms.ModelForm):
    # The column's key: kept when it is renamed, so that its bodies stay in it.
    cle = forms.SlugField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Colonne
        fields = ["libelle", "ordre"]
        labels = {"libelle": "Intitulé de la colonne", "ordre": "Position (de gauche à droite)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ordre"].required = False
        if self.instance.pk:
            self.fields["cle"].initial = self.instance.cle
            self.fields["version"].initial = self.instance.version


class ColonnesFormSet(LignesStrictes, forms.BaseModelFormSet):
    def __init__(self, *args, contrat, **kwargs):
        self.contrat = contrat
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if i < len(self.initial_extra or []):  # the protocol's columns, kept as shown unless removed
            form.empty_permitted = False
        return form

    def clean(self):
        super().clean()
        libelles = [
            f.cleaned_data["libelle"].strip().lower()
            for f in self.forms
            if f.cleaned_data.get("libelle") and not f.cleaned_data.get("DELETE")
        ]
        if len(libelles) != len(set(libelles)):
            raise ValidationError("Deux colonnes portent le même intitulé.")
        if not libelles:
            raise ValidationError("Gardez au moins une colonne.")
        for f in self.deleted_forms:
            if f.instance.pk and (
                n := Instance.objects.filter(contrat=self.contrat, colonne=f.instance.cle, archivee=False).count()
            ):
                raise ValidationError(
                    f"La colonne « {f.instance.libelle} » porte {n} instance{'s' if n > 1 else ''} : "
                    "placez-les dans une autre colonne avant de la supprimer."
                )


def colonnes_formset(contrat, data=None):
    propres = contrat.colonnes_du_schema.exists()
    initial = (
        []
        if propres
        else [{"cle": cle, "libelle": libelle, "ordre": i} for i, (cle, libelle) in enumerate(COLONNES_PAR_DEFAUT, 1)]
    )
    Colonnes = forms.modelformset_factory(
        Colonne, form=ColonneForm, formset=ColonnesFormSet, extra=len(initial) + 2, can_delete=True
    )
    return Colonnes(
        data, queryset=contrat.colonnes_du_schema.all(), prefix="colonnes", contrat=contrat, initial=initial
    )
