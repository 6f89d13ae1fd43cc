from django.contrib import admin

from noyau.admin import LectureSeule

from .models import DispositifMobilise, Engagement, Equipement, Fiche, Indicateur, Intervenant, Mesure


class IntervenantInline(LectureSeule, admin.TabularInline):
    model = Intervenant
    extra = 0
    autocomplete_fields = ["partenaire"]


class EngagementInline(LectureSeule, admin.StackedInline):
    model = Engagement
    extra = 0
    autocomplete_fields = ["partenaire"]
    exclude = ["version"]


class DispositifMobiliseInline(LectureSeule, admin.TabularInline):
    model = DispositifMobilise
    extra = 0
    autocomplete_fields = ["partenaire"]
    raw_id_fields = ["dispositif"]


class IndicateurInline(LectureSeule, admin.TabularInline):
    model = Indicateur
    extra = 0


@admin.register(Fiche)
class FicheAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["numero", "intitule", "contrat", "forme", "statut"]
    list_filter = ["contrat", "forme", "statut"]
    list_select_related = ["contrat"]
    search_fields = ["numero", "intitule", "description"]
    filter_horizontal = ["objectifs", "quartiers", "communes"]
    inlines = [IntervenantInline, EngagementInline, DispositifMobiliseInline, IndicateurInline]


@admin.register(Mesure)
class MesureAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["indicateur", "annee", "valeur"]
    list_select_related = ["indicateur"]


@admin.register(Equipement)
class EquipementAdmin(admin.ModelAdmin):
    list_display = ["nom", "type", "contrat", "annexe", "gestionnaire", "bonus_territoire"]
    list_filter = ["contrat", "annexe", "type"]
