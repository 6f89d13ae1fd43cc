from django.contrib import admin
from django.db import transaction

from noyau.admin import LectureSeule
from noyau.models import Historique

from . import references
from .models import (
    Commune,
    Contrat,
    Document,
    Habilitation,
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


def _quartier_partage(quartier):
    return {
        "quartier (liste partagée)": quartier.nom,
        "commune (liste partagée)": str(quartier.commune),
        "code (liste partagée)": quartier.code,
    }


@admin.register(Quartier)
class QuartierAdmin(admin.ModelAdmin):
    """A quartier is shared by the contracts that hold it: a change made here is written in the history
    of each of them, so that none sees its perimeter change without a trace."""

    list_display = ["nom", "commune"]
    search_fields = ["nom", "commune__nom"]
    fields = ["nom", "slug", "commune", "code"]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        avant = _quartier_partage(Quartier.objects.select_related("commune").get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        if avant is None or avant == (apres := _quartier_partage(obj)):
            return
        references.noter(
            references.liens_du_quartier(obj),
            avant,
            apres,
            user=request.user,
            source=Historique.Source.ADMIN,
            detail="Quartier partagé entre contrats, modifié par l'administration",
        )


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


@admin.register(Habilitation)
class HabilitationAdmin(LectureSeule, admin.ModelAdmin):
    """Read here; granted and revoked on /consolidation/roles/, through the write service (and its mail)."""

    list_display = ("email", "niveau", "code", "partenaire", "service", "acceptee_le", "revoquee")
    list_filter = ("niveau", "revoquee")
    search_fields = ("email", "code", "service")
