from django.contrib import admin

from noyau.admin import LectureSeule

from .models import (
    Commune,
    Contrat,
    Document,
    Membre,
    Objectif,
    Orientation,
    Partenaire,
    PerimetreQuartier,
    Pilier,
    Quartier,
    Signataire,
)


@admin.register(Partenaire)
class PartenaireAdmin(admin.ModelAdmin):
    list_display = ["nom", "sigle", "slug", "nature"]
    list_filter = ["nature"]
    search_fields = ["nom", "sigle", "slug"]
    prepopulated_fields = {"slug": ["sigle"]}


class PerimetreInline(admin.TabularInline):
    model = PerimetreQuartier
    extra = 0
    autocomplete_fields = ["quartier"]


@admin.register(Contrat)
class ContratAdmin(admin.ModelAdmin):
    list_display = ["nom", "slug", "nature", "territoire", "annee_debut", "annee_fin", "annee_fin_prolongation"]
    list_filter = ["nature"]
    search_fields = ["nom", "territoire"]
    filter_horizontal = ["communes"]
    inlines = [PerimetreInline]

    # Deleting a contract would take its lines, fiches and their history with it: never from here.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    search_fields = ["nom"]


@admin.register(Quartier)
class QuartierAdmin(admin.ModelAdmin):
    list_display = ["nom", "commune"]
    search_fields = ["nom", "commune__nom"]


class SignataireInline(admin.TabularInline):
    model = Signataire
    extra = 0
    autocomplete_fields = ["partenaire"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["titre", "contrat", "nature", "annee_debut", "annee_fin"]
    list_filter = ["nature", "contrat"]
    inlines = [SignataireInline]


@admin.register(Pilier)
class PilierAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["intitule", "contrat", "ordre", "transversal"]
    list_filter = ["contrat"]


@admin.register(Orientation)
class OrientationAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["libelle", "pilier", "ordre"]
    list_filter = ["pilier__contrat"]
    list_select_related = ["pilier"]


@admin.register(Objectif)
class ObjectifAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["libelle", "orientation", "ordre"]
    list_filter = ["orientation__pilier__contrat"]
    list_select_related = ["orientation"]
    search_fields = ["intitule", "code"]




@admin.register(Membre)
class MembreAdmin(admin.ModelAdmin):
    list_display = ["user", "partenaire", "role", "contrat", "actif"]
    list_filter = ["role", "actif", "partenaire"]
    autocomplete_fields = ["partenaire"]
    search_fields = ["user__username", "partenaire__nom"]
