from django.contrib import admin

from noyau.admin import LectureSeule

from .models import (
    AnnexeFinanciere,
    ArticleConvention,
    Collecte,
    Dispositif,
    EngagementReciproque,
    Estimation,
    Export,
    Realisation,
    Relance,
)


class EstimationInline(LectureSeule, admin.TabularInline):
    model = Estimation
    extra = 0
    autocomplete_fields = ["partenaire"]


@admin.register(Dispositif)
class DispositifAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["intitule", "contrat", "partenaire", "statut", "ordre"]
    list_filter = ["contrat", "partenaire", "statut"]
    list_select_related = ["contrat", "partenaire"]
    search_fields = ["intitule", "unite_compte", "remarque"]
    filter_horizontal = ["objectifs", "quartiers"]
    inlines = [EstimationInline]


@admin.register(AnnexeFinanciere)
class AnnexeFinanciereAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["__str__", "contrat", "partenaire", "annee"]


class EngagementInline(LectureSeule, admin.StackedInline):
    """Versioned: its measure is set on the page of the yearly follow-up, with its history."""

    model = EngagementReciproque
    extra = 0
    exclude = ["version"]


@admin.register(ArticleConvention)
class ArticleConventionAdmin(admin.ModelAdmin):
    list_display = ["numero", "titre", "document"]
    list_filter = ["document"]
    inlines = [EngagementInline]


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    """The large exports made in the background, and why one failed. Read only."""

    list_display = ["nom_fichier", "contrat", "statut", "lignes", "cree_le", "termine_le"]
    list_filter = ["statut", "nature", "contrat"]
    list_select_related = ["contrat"]
    readonly_fields = [f.name for f in Export._meta.fields]

    def has_add_permission(self, request):
        return False


class RelanceInline(LectureSeule, admin.TabularInline):
    model = Relance
    extra = 0


@admin.register(Collecte)
class CollecteAdmin(LectureSeule, admin.ModelAdmin):
    """Opened and changed from the contract's dashboard (or `manage.py ouvrir_collecte`), with its history."""

    list_display = ["contrat", "annee", "nature", "echeance", "ouverte"]
    list_filter = ["ouverte", "nature", "contrat"]
    inlines = [RelanceInline]


@admin.register(Realisation)
class RealisationAdmin(LectureSeule, admin.ModelAdmin):
    """Entered in the bilan of the year (its grid), validated and locked with it: read only here."""

    list_display = ["estimation", "montant_realise"]
    list_select_related = ["estimation__dispositif", "estimation__partenaire"]
