import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower

from contrat.models import Contrat, Objectif, Orientation, Partenaire, PerimetreQuartier, Pilier, Quartier
from noyau.formulaires import FormulaireFiltre
from noyau.widgets import Select

from .models import Dispositif, Estimation


def _filtres(p):
    """The filters of both lists; `p` leads from the listed model to the dispositif."""
    return {
        "contrat": filters.ModelChoiceFilter(
            field_name=f"{p}contrat",
            queryset=Contrat.objects.none(),
            to_field_name="slug",
            label="Contrat",
            empty_label="Tous",
            widget=Select,
        ),
        "pilier": filters.ModelChoiceFilter(
            field_name=f"{p}objectifs__orientation__pilier",
            distinct=True,
            queryset=Pilier.objects.none(),
            label="Pilier",
            empty_label="Tous",
            widget=Select,
        ),
        "orientation": filters.ModelChoiceFilter(
            field_name=f"{p}objectifs__orientation",
            distinct=True,
            queryset=Orientation.objects.none(),
            label="Orientation stratégique",
            empty_label="Toutes",
            widget=Select,
        ),
        "objectif": filters.ModelChoiceFilter(
            field_name=f"{p}objectifs",
            distinct=True,
            queryset=Objectif.objects.none(),
            label="Objectif opérationnel",
            empty_label="Tous",
            widget=Select,
        ),
        "partenaire": filters.ModelChoiceFilter(
            field_name=f"{p}partenaire",
            queryset=Partenaire.objects.all(),
            to_field_name="slug",
            label="Partenaire",
            empty_label="Tous",
            widget=Select,
        ),
        "quartier": filters.ModelChoiceFilter(
            field_name=f"{p}quartiers",
            distinct=True,
            queryset=Quartier.objects.select_related("commune"),
            to_field_name="slug",
            label="Quartier",
            empty_label="Tous",
            widget=Select,
        ),
        "statut": filters.ChoiceFilter(
            field_name=f"{p}statut",
            choices=Dispositif.Statut.choices,
            label="Statut",
            empty_label="Tous",
            widget=Select,
        ),
        "q": filters.CharFilter(method="recherche", label="Recherche libre"),
    }


CHOIX_MAX = 300  # options of one select of the filters


class _Base(filters.FilterSet):
    prefixe = ""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        contrats = Contrat.objects.visible_to(user)
        self.filters["contrat"].queryset = contrats
        # Once a contract is chosen, its own organisations and tree only: shorter lists to read (and to
        # render), and queries bounded by that contract, not by every contract the user sees.
        choisi = self.data.get("contrat") if self.data else None
        arbre = contrats.filter(slug=choisi) if choisi else contrats
        # The organisations of those contracts (signatories, partners, lines): not the others'.
        self.filters["partenaire"].queryset = Partenaire.objects.des_contrats(arbre)
        self.filters["pilier"].queryset = Pilier.objects.filter(contrat__in=arbre).select_related("contrat")
        self.filters["orientation"].queryset = Orientation.objects.filter(pilier__contrat__in=arbre).select_related(
            "pilier"
        )
        self.filters["objectif"].queryset = Objectif.objects.filter(
            orientation__pilier__contrat__in=arbre
        ).select_related("orientation")
        # The quartiers of those contracts (their perimeter, their lines): a shared row another contract holds
        # is not offered here.
        self.filters["quartier"].queryset = Quartier.objects.filter(
            Q(pk__in=PerimetreQuartier.objects.filter(contrat__in=arbre).values("quartier"))
            | Q(pk__in=Dispositif.quartiers.through.objects.filter(dispositif__contrat__in=arbre).values("quartier"))
        ).select_related("commune")
        # What the lists offer without a contract chosen: a national partner's agent sees hundreds of contracts,
        # whose organisations with lines, trees and quartiers are thousands of rows. The organisations named by
        # the contracts themselves (porteur, signatories, partners) and their perimeters are offered; every list
        # reads at most CHOIX_MAX + 1 rows, and a longer one asks for a contract first.
        self.offerts = {}
        if not choisi:
            self.offerts = {
                "partenaire": Partenaire.objects.des_contrats(contrats, lignes=False),
                "quartier": Quartier.objects.filter(
                    pk__in=PerimetreQuartier.objects.filter(contrat__in=contrats).values("quartier")
                ).select_related("commune"),
            }
        for nom, f in self.filters.items():
            f.extra.setdefault("error_messages", {})["invalid_choice"] = (
                "Ce choix n'existe pas : choisissez dans la liste."
            )

    @property
    def form(self):
        if not hasattr(self, "_form"):
            formulaire = super().form
            for nom in ("partenaire", "pilier", "orientation", "objectif", "quartier"):
                self._borner(formulaire.fields[nom], self.offerts.get(nom), (self.data or {}).get(nom))
        return self._form

    def _borner(self, champ, offerts, choisi):
        """The field's choices read once, at most CHOIX_MAX of them; beyond, « choisissez un contrat », the
        value already chosen still offered (filtering again does not drop it)."""
        valeur = champ.to_field_name or "pk"
        lus = list((champ.queryset if offerts is None else offerts)[: CHOIX_MAX + 1])
        if len(lus) > CHOIX_MAX:
            champ.help_text = f"Plus de {CHOIX_MAX} choix : choisissez d'abord un contrat."
            try:
                lus = list(champ.queryset.filter(**{valeur: choisi})[:1]) if choisi else []
            except (ValueError, ValidationError):  # not even of the field's type: the form says so
                lus = []
            vide = "Choisissez d'abord un contrat"
        else:
            vide = champ.empty_label
        champ.widget.choices = [("", vide)] + [(getattr(o, valeur), champ.label_from_instance(o)) for o in lus]

    def recherche(self, queryset, name, value):
        champs = ("intitule", "unite_compte", "remarque", "partenaire__nom", "partenaire__sigle")
        alias = {f"recherche_{i}": Lower(f"{self.prefixe}{champ}") for i, champ in enumerate(champs)}
        mots = Q()
        for nom in alias:
            mots |= Q(**{f"{nom}__contains": value.lower()})
        return queryset.alias(**alias).filter(mots)


class DispositifFilter(_Base):
    locals().update(_filtres(""))
    annee = filters.NumberFilter(
        field_name="estimations__annee",
        distinct=True,
        label="Année",
        widget=forms.NumberInput(attrs={"min": 2000, "max": 2100}),
    )

    class Meta:
        model = Dispositif
        fields = []
        form = FormulaireFiltre


class EstimationFilter(_Base):
    prefixe = "dispositif__"
    locals().update(_filtres("dispositif__"))
    contrat = _filtres("")["contrat"]
    contrat.method = "du_contrat"

    def du_contrat(self, queryset, name, value):
        # The line's own contract (its index) and its dispositif's: PostgreSQL then joins that contract's
        # dispositifs alone (Estimation.objects.du_contrat).
        return queryset.filter(contrat=value, dispositif__contrat=value) if value else queryset

    annee = filters.NumberFilter(
        field_name="annee", label="Année", widget=forms.NumberInput(attrs={"min": 2000, "max": 2100})
    )

    class Meta:
        model = Estimation
        fields = []
        form = FormulaireFiltre
