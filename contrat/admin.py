from django.contrib import admin

from noyau.admin import LectureSeule

from .models import (
    Commune,
    Contrat,
    Document,
    Invitation,
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


class PerimetreInline(LectureSeule, admin.TabularInline):
    model = PerimetreQuartier
    extra = 0
    autocomplete_fields = ["quartier"]


@admin.register(Contrat)
class ContratAdmin(LectureSeule, admin.ModelAdmin):
    """Created by an administrateur at /contrats/ajouter/, kept by its chef de projet in the application."""

    list_display = ["nom", "slug", "nature", "territoire", "annee_debut", "annee_fin", "annee_fin_prolongation"]
    list_filter = ["nature"]
    search_fields = ["nom", "territoire"]
    filter_horizontal = ["communes"]
    inlines = [PerimetreInline]



@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    search_fields = ["nom"]


@admin.register(Quartier)
class QuartierAdmin(admin.ModelAdmin):
    list_display = ["nom", "commune"]
    search_fields = ["nom", "commune__nom"]


class SignataireInline(LectureSeule, admin.TabularInline):
    model = Signataire
    extra = 0
    autocomplete_fields = ["partenaire"]


@admin.register(Document)
class DocumentAdmin(LectureSeule, admin.ModelAdmin):
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
class MembreAdmin(LectureSeule, admin.ModelAdmin):
    """Members are invited, and revoked, from the contract's page « Membres »."""

    list_display = ["user", "partenaire", "role", "contrat", "actif"]
    list_filter = ["role", "actif", "partenaire"]
    autocomplete_fields = ["partenaire"]
    search_fields = ["user__username", "partenaire__nom"]


@admin.register(Invitation)
class InvitationAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["email", "contrat", "role", "partenaire", "envoyee_le", "acceptee_le", "revoquee"]
    list_filter = ["role", "revoquee", "contrat"]
    search_fields = ["email"]
