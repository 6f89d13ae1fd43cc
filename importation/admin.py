from django.contrib import admin

from .models import ImportAnnexe


@admin.register(ImportAnnexe)
class ImportAnnexeAdmin(admin.ModelAdmin):
    """The record of imports: who uploaded which file, and what it did. Read only."""

    list_display = ["nom_fichier", "contrat", "partenaire", "cree_par", "cree_le", "applique_le"]
    list_filter = ["contrat", "partenaire"]
    list_select_related = ["contrat", "partenaire", "cree_par"]
    readonly_fields = [f.name for f in ImportAnnexe._meta.fields]

    def has_add_permission(self, request):
        return False
