import django_tables2 as tables

from .models import Fiche


class FicheTable(tables.Table):
    numero = tables.Column("Numéro", linkify=True)
    intitule = tables.Column("Intitulé", linkify=True)
    forme = tables.Column("Type")
    section = tables.Column("Pilier / enjeu / axe", empty_values=(), orderable=False)
    porteurs = tables.Column("Porteur(s)", empty_values=(), orderable=False)
    calendrier = tables.Column("Calendrier", empty_values=(), order_by=("annee_debut", "annee_fin"))
    statut = tables.Column("Statut", empty_values=())

    class Meta:
        model = Fiche
        fields = ["numero", "intitule", "forme", "section", "porteurs", "calendrier", "statut"]
        order_by = ("ordre",)
        attrs = {"class": "fr-table__content"}  # the DSFR's table, as the other lists
        empty_text = "Aucune fiche ne correspond à ces critères."

    legende = "Fiches correspondant aux critères"

    def render_section(self, record):
        return (
            record.orientation.intitule
            if record.orientation_id
            else (record.pilier.intitule if record.pilier_id else "—")
        )

    def render_porteurs(self, record):
        return ", ".join(i.nom for i in record.porteurs()) or "—"

    def render_calendrier(self, record):
        if record.annee_debut and record.annee_fin and record.annee_debut != record.annee_fin:
            return f"{record.annee_debut}-{record.annee_fin}"
        return record.annee_debut or record.annee_fin or "—"

    def render_statut(self, record):
        return record.get_statut_display() or "Non renseigné"
