"""The administration reads versioned data; it does not write them.

Every change of a versioned object goes through `noyau.versions` (version compared, lock
rule, history). The admin's generic forms would bypass all three, so there they are shown,
not edited: a staff convenience, not a way round the rules.
"""

from django.contrib import admin

from .models import Courriel, Historique


class LectureSeule:
    """For a ModelAdmin or an inline of a versioned model."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Historique)
class HistoriqueAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["date", "action", "objet", "objet_id", "source", "detail", "user_nom"]
    list_filter = ["action", "objet", "source"]
    search_fields = ["user_nom", "detail", "commentaire"]
    date_hierarchy = "date"


@admin.register(Courriel)
class CourrielAdmin(LectureSeule, admin.ModelAdmin):
    list_display = ["cree_le", "nature", "sujet", "statut", "envoye_le"]
    list_filter = ["statut", "nature"]
    search_fields = ["sujet", "erreur"]
