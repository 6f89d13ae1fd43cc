"""Forms of a territory's set-up: the contract, its perimeter, documents, partners, tree and people."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Length

from noyau import bornes
from noyau.formulaires import DsfrFormMixin, VersionMixin
from noyau.jetons import JetonMixin

from .models import Commune, Contrat, Document, Membre, Objectif, Orientation, Partenaire, PerimetreQuartier, Pilier

DOCUMENT_TAILLE_MAX = 20 * 1024 * 1024


def _annee(valeur):
    return bornes.annee(valeur)


class ContratForm(DsfrFormMixin, VersionMixin, forms.ModelForm):
    class Meta:
        model = Contrat
        fields = [
            "nom",
            "nature",
            "territoire",
            "porteur",
            "annee_debut",
            "annee_fin",
            "annee_fin_prolongation",
            "date_signature",
            "niveau_1",
            "niveau_2",
            "niveau_3",
            "donnees_publiques",
        ]
        widgets = {"date_signature": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "nom": {"required": "Donnez le nom du contrat."},
            "territoire": {"required": "Indiquez le territoire."},
            "annee_debut": {"required": "Indiquez la première année."},
            "annee_fin": {"required": "Indiquez la dernière année."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["porteur"].queryset = Partenaire.objects.order_by("nom")
        if "date_signature" in self.fields:
            self.fields["date_signature"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
        if self.instance.pk is None:
            self.fields["version"].required = False
        for nom in ("niveau_1", "niveau_2", "niveau_3"):
            if nom in self.fields:
                self.fields[nom].required = False

    def _niveau(self, nom):
        # Left empty: the words of the signed annexes (the model's default).
        return " ".join((self.cleaned_data.get(nom) or "").split()) or Contrat._meta.get_field(nom).default

    def clean_niveau_1(self):
        return self._niveau("niveau_1")

    def clean_niveau_2(self):
        return self._niveau("niveau_2")

    def clean_niveau_3(self):
        return self._niveau("niveau_3")

    def clean_annee_debut(self):
        return _annee(self.cleaned_data.get("annee_debut"))

    def clean_annee_fin(self):
        return _annee(self.cleaned_data.get("annee_fin"))

    def clean_annee_fin_prolongation(self):
        return _annee(self.cleaned_data.get("annee_fin_prolongation"))

    def clean_date_signature(self):
        return bornes.date(self.cleaned_data.get("date_signature"))

    def clean(self):
        donnees = super().clean()
        debut, fin, prolonge = (
            donnees.get("annee_debut"),
            donnees.get("annee_fin"),
            donnees.get("annee_fin_prolongation"),
        )
        if debut is not None and fin is not None and fin < debut:
            self.add_error("annee_fin", "La dernière année doit suivre la première.")
        if prolonge is not None and fin is not None and prolonge < fin:
            self.add_error("annee_fin_prolongation", "Une prolongation va au-delà de la dernière année.")
        return donnees


def _nom_pris(nom):
    """Whether an organisation already bears this name, whatever its case. Only the names of the same length
    are read (never every organisation of the instance) and compared in Python: SQLite folds only ASCII
    letters, « É » and « é » would differ there."""
    memes = Partenaire.objects.annotate(longueur=Length("nom")).filter(longueur=len(nom))
    return nom.casefold() in {n.casefold() for n in memes.values_list("nom", flat=True)}


class ContratCreationForm(JetonMixin, ContratForm):
    """The administrateur's form: the contract, and the address of its chef(s) de projet."""

    chefs = forms.CharField(
        label="Adresse(s) électronique(s) du ou des chefs de projet",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Une adresse par ligne (ou séparées par des virgules) : chacun reçoit une invitation.",
        error_messages={"required": "Indiquez l'adresse du chef de projet : il recevra une invitation."},
    )

    class Meta(ContratForm.Meta):
        fields = ["nom", "nature", "territoire", "porteur", "annee_debut", "annee_fin"]
        error_messages = {
            **ContratForm.Meta.error_messages,
            "porteur": {"required": "Choisissez le porteur (l'intercommunalité)."},
        }

    nouveau_porteur = forms.CharField(
        label="Ou le nom d'un nouveau porteur",
        required=False,
        max_length=200,
        help_text="Absent de la liste ? Son nom complet, par exemple « Communauté de communes du Val de Loire » : "
        "il est créé avec le contrat.",
    )
    nouveau_porteur_sigle = forms.CharField(
        label="Son sigle (facultatif)",
        required=False,
        max_length=60,
        help_text="Le nom court des tableaux, par exemple « CCVL ».",
    )
    field_order = ["nom", "nature", "territoire", "porteur", "nouveau_porteur", "nouveau_porteur_sigle"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["porteur"].required = False
        self.fields["porteur"].help_text = "L'organisation du chef de projet (l'intercommunalité, le plus souvent)."

    def clean(self):
        donnees = super().clean()
        nom = " ".join((donnees.get("nouveau_porteur") or "").split())
        if donnees.get("porteur") and nom:
            self.add_error(
                "nouveau_porteur", "Choisissez le porteur dans la liste, ou donnez le nom d'un nouveau : pas les deux."
            )
        elif not donnees.get("porteur") and not nom and "porteur" not in self.errors:
            self.add_error(
                "porteur", "Choisissez le porteur (l'intercommunalité), ou donnez le nom d'un nouveau porteur."
            )
        elif nom and _nom_pris(nom):
            self.add_error("nouveau_porteur", f"« {nom} » existe déjà : choisissez-la dans la liste des porteurs.")
        donnees["nouveau_porteur"] = nom
        return donnees

    def porteur_nouveau(self):
        """The new organisation typed (unsaved), or None when the porteur was chosen in the list."""
        nom = self.cleaned_data.get("nouveau_porteur")
        if not nom:
            return None
        sigle = " ".join((self.cleaned_data.get("nouveau_porteur_sigle") or "").split()) or nom[:60]
        return Partenaire(nom=nom, sigle=sigle, nature=Partenaire.Nature.COLLECTIVITE)

    def clean_chefs(self):
        adresses = [a.strip().lower() for a in re.split(r"[\s,;]+", self.cleaned_data["chefs"]) if a.strip()]
        for adresse in adresses:
            try:
                validate_email(adresse)
            except ValidationError:
                raise ValidationError(f"« {adresse} » n'est pas une adresse électronique valide.") from None
        if not adresses:
            raise ValidationError("Indiquez l'adresse du chef de projet : il recevra une invitation.")
        return sorted(set(adresses))


class CommuneForm(DsfrFormMixin, forms.Form):
    nom = forms.CharField(label="Commune", max_length=120, error_messages={"required": "Donnez le nom de la commune."})
    code_insee = forms.CharField(
        label="Code INSEE",
        max_length=5,
        required=False,
        help_text="Cinq caractères, 21231 pour Dijon : il place le contrat dans son département et sa région.",
    )

    def clean_code_insee(self):
        from .territoires import erreur_code_insee

        code = self.cleaned_data["code_insee"].strip().upper()
        if code and (erreur := erreur_code_insee(code)):
            raise ValidationError(erreur)
        return code


class QuartierForm(DsfrFormMixin, forms.Form):
    nom = forms.CharField(label="Quartier", max_length=120, error_messages={"required": "Donnez le nom du quartier."})
    commune = forms.ModelChoiceField(
        label="Commune",
        queryset=Commune.objects.none(),
        error_messages={
            "required": "Choisissez la commune du quartier.",
            "invalid_choice": "Cette commune n'est pas dans le périmètre.",
        },
    )
    nature = forms.ChoiceField(label="Nature", choices=PerimetreQuartier.Nature.choices[:2])
    code = forms.CharField(
        label="Code officiel (facultatif)",
        max_length=20,
        required=False,
        help_text="Par exemple QN02101M pour un quartier prioritaire.",
    )

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = contrat.communes.all()

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if code and not re.fullmatch(r"[A-Z0-9]{4,20}", code):
            raise ValidationError("Un code officiel s'écrit en lettres et chiffres, par exemple QN02101M.")
        return code


class PartenaireForm(DsfrFormMixin, forms.ModelForm):
    siren = forms.CharField(
        label="SIREN (facultatif)",
        max_length=20,
        required=False,
        help_text="9 chiffres, espaces permis : évite de créer deux fois la même organisation.",
    )

    class Meta:
        model = Partenaire
        fields = ["nom", "sigle", "article", "nature", "siren"]
        error_messages = {
            "nom": {"required": "Donnez le nom de l'organisation."},
            "sigle": {"required": "Donnez un nom court (sigle), affiché dans les tableaux."},
        }

    def clean_siren(self):
        siren = re.sub(r"\s", "", self.cleaned_data.get("siren") or "")
        if siren and not re.fullmatch(r"\d{9}", siren):
            raise ValidationError("Un SIREN a 9 chiffres.")
        if siren and (autre := Partenaire.objects.filter(siren=siren).first()):
            raise ValidationError(f"« {autre.nom} » porte déjà ce SIREN : ajoutez-la au contrat au lieu de la recréer.")
        return siren

    def clean_nom(self):
        nom = " ".join(self.cleaned_data["nom"].split())
        if autre := Partenaire.objects.filter(nom__iexact=nom).first():
            raise ValidationError(f"« {autre.nom} » existe déjà : ajoutez-la au contrat au lieu de la recréer.")
        return nom


def _pdf(fichier):
    """A signed document is a PDF: read from its content, not its name."""
    if fichier.size > DOCUMENT_TAILLE_MAX:
        raise ValidationError("Le fichier dépasse 20 Mo.")
    debut = fichier.read(1024)
    fichier.seek(max(fichier.size - 2048, 0))
    fin = fichier.read()
    fichier.seek(0)
    if not debut.lstrip().startswith(b"%PDF-") or b"%%EOF" not in fin:
        raise ValidationError("Ce fichier n'est pas un PDF : déposez le document signé au format PDF.")
    return fichier


class DocumentForm(DsfrFormMixin, forms.ModelForm):
    class Meta:
        model = Document
        fields = ["titre", "nature", "annee_debut", "annee_fin", "date_signature", "fichier"]
        widgets = {"date_signature": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "titre": {"required": "Donnez le titre du document."},
            "nature": {"required": "Choisissez la nature du document."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fichier"].widget.attrs["accept"] = "application/pdf"
        self.fields["date_signature"].input_formats = ["%Y-%m-%d", "%d/%m/%Y"]

    def clean_fichier(self):
        fichier = self.cleaned_data.get("fichier")
        return _pdf(fichier) if fichier and hasattr(fichier, "size") else fichier

    def clean_annee_debut(self):
        return _annee(self.cleaned_data.get("annee_debut"))

    def clean_annee_fin(self):
        return _annee(self.cleaned_data.get("annee_fin"))

    def clean_date_signature(self):
        return bornes.date(self.cleaned_data.get("date_signature"))


class SignataireForm(DsfrFormMixin, forms.Form):
    document = forms.ModelChoiceField(
        label="Document signé",
        queryset=Document.objects.none(),
        error_messages={"required": "Choisissez le document signé."},
    )
    partenaire = forms.ModelChoiceField(
        label="Partenaire",
        queryset=Partenaire.objects.none(),
        error_messages={"required": "Choisissez le partenaire signataire."},
    )
    representant = forms.CharField(
        label="Représenté par", max_length=200, error_messages={"required": "Indiquez qui signe (nom)."}
    )
    qualite = forms.CharField(
        label="Qualité",
        max_length=300,
        error_messages={"required": "Indiquez la qualité du signataire (« Le Préfet »…)."},
    )

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = contrat.documents.all()
        self.fields["partenaire"].queryset = Partenaire.objects.du_contrat(contrat)


class NoeudForm(DsfrFormMixin, VersionMixin, forms.Form):
    """A pilier, an orientation or an objectif: its code and wording."""

    code = forms.CharField(
        label="Code (facultatif)", max_length=20, required=False, help_text="« 1 », « 1-a »… tel que dans le contrat."
    )
    intitule = forms.CharField(label="Intitulé", max_length=300, error_messages={"required": "Donnez l'intitulé."})
    presentation = forms.CharField(
        label="Présentation (facultatif)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Ce que le document dit de ce pilier ou de cet axe, avant ses lignes ou ses fiches.",
    )

    def __init__(self, *args, nouveau=True, pilier=False, **kwargs):
        super().__init__(*args, **kwargs)
        if nouveau:
            self.fields["version"].required = False
        if not pilier:  # only a pilier carries the document's presentation
            del self.fields["presentation"]


MODELES_ARBRE = {"pilier": Pilier, "orientation": Orientation, "objectif": Objectif}


class InvitationForm(DsfrFormMixin, forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        error_messages={
            "required": "Indiquez l'adresse de la personne à inviter.",
            "invalid": "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr.",
        },
    )
    role = forms.ChoiceField(label="Rôle", choices=Membre.Role.choices)
    partenaire = forms.ModelChoiceField(
        label="Organisation",
        queryset=Partenaire.objects.none(),
        help_text="Pour un agent : l'organisation dont il saisira les lignes.",
        error_messages={"required": "Choisissez l'organisation de la personne."},
    )

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partenaire"].queryset = Partenaire.objects.du_contrat(contrat)
        self.contrat = contrat

    def clean(self):
        donnees = super().clean()
        email, role, partenaire = donnees.get("email"), donnees.get("role"), donnees.get("partenaire")
        if (
            email
            and role
            and partenaire
            and Membre.objects.filter(
                user__email__iexact=email, role=role, partenaire=partenaire, contrat=self.contrat, actif=True
            ).exists()
        ):
            raise ValidationError(f"{email} a déjà ce rôle dans ce contrat.")
        if (
            email
            and role
            and partenaire
            and self.contrat.invitations.filter(
                email__iexact=email, role=role, partenaire=partenaire, acceptee_le__isnull=True, revoquee=False
            ).exists()
        ):
            # (a second click, or a second thought): one pending link at a time
            raise ValidationError(
                f"Une invitation est déjà en attente pour {email} avec ce rôle : renvoyez-la plutôt "
                "(« Renvoyer » ci-dessus), son nouveau lien remplacera l'ancien."
            )
        return donnees


class AcceptationForm(DsfrFormMixin, forms.Form):
    """The invitee's own account: its name and password (Django's password rules)."""

    nom = forms.CharField(label="Prénom et nom", max_length=150, error_messages={"required": "Indiquez votre nom."})
    mot_de_passe = forms.CharField(
        label="Mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choisissez un mot de passe."},
    )
    confirmation = forms.CharField(
        label="Confirmation du mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Saisissez le mot de passe une seconde fois."},
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        from django.contrib.auth.password_validation import password_validators_help_text_html

        self.fields["mot_de_passe"].help_text = password_validators_help_text_html()

    def clean(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.password_validation import validate_password

        donnees = super().clean()
        mot, confirmation = donnees.get("mot_de_passe"), donnees.get("confirmation")
        if mot and confirmation and mot != confirmation:
            self.add_error("confirmation", "Les deux mots de passe ne sont pas identiques.")
        elif mot:
            try:
                validate_password(
                    mot, get_user_model()(username=self.email, email=self.email, first_name=donnees.get("nom", ""))
                )
            except ValidationError as erreur:
                self.add_error("mot_de_passe", erreur)
        return donnees
