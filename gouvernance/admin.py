from django.contrib import admin

from noyau.admin import LectureSeule

from .models import Decision, Instance, Membre, Seance


class MembreInline(LectureSeule, admin.TabularInline):
    model = Membre
    extra = 0
    autocomplete_fields = ["partenaire"]


@admin.register(Instance)
class InstanceAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["nom", "contrat", "nature", "colonne", "rythme"]
    list_filter = ["contrat", "nature", "colonne"]
    list_select_related = ["contrat"]
    search_fields = ["nom", "missions"]
    inlines = [MembreInline]


class DecisionInline(LectureSeule, admin.StackedInline):
    model = Decision
    extra = 0
    autocomplete_fields = ["partenaire"]
    filter_horizontal = ["fiches", "dispositifs"]
    exclude = ["version"]


@admin.register(Seance)
class SeanceAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["instance", "date", "lieu"]
    list_filter = ["instance__contrat"]
    list_select_related = ["instance"]
    date_hierarchy = "date"
    inlines = [DecisionInline]
