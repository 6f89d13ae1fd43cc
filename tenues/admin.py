from django.contrib import admin

from noyau.admin import LectureSeule

from .models import Tenue


@admin.register(Tenue)
class TenueAdmin(LectureSeule, admin.ModelAdmin):
    """Entered by the partner and validated by the chef de projet on the page of the year: read only here."""

    list_display = ["__str__", "contrat", "partenaire", "annee", "statut", "etat"]
    list_filter = ["etat", "statut", "contrat"]
    list_select_related = ["contrat", "partenaire", "engagement_fiche", "engagement_reciproque"]
