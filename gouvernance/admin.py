from django.contrib import admin

from .models import Decision, Instance, Membre, Seance


class MembreInline(admin.TabularInline):
    model = Membre
    extra = 0
    autocomplete_fields = ["partenaire"]


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ["nom", "contrat", "nature", "colonne", "rythme"]
    list_filter = ["contrat", "nature", "colonne"]
    list_select_related = ["contrat"]
    search_fields = ["nom", "missions"]
    inlines = [MembreInline]


class DecisionInline(admin.StackedInline):
    model = Decision
    extra = 0
    autocomplete_fields = ["partenaire"]
    filter_horizontal = ["fiches", "dispositifs"]
    exclude = ["version"]


@admin.register(Seance)
class SeanceAdmin(admin.ModelAdmin):
    list_display = ["instance", "date", "lieu"]
    list_filter = ["instance__contrat"]
    list_select_related = ["instance"]
    date_hierarchy = "date"
    inlines = [DecisionInline]
