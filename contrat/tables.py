import django_tables2 as tables

from .models import Contrat


class ContratTable(tables.Table):
    nom = tables.Column(linkify=True)
    periode = tables.Column(verbose_name="Période", accessor="annee_debut", order_by=("annee_debut",))
    porteur = tables.Column(verbose_name="Porteur")

    class Meta:
        model = Contrat
        fields = ("nom", "nature", "territoire", "porteur", "periode")
        attrs = {"class": "fr-table__content"}
        empty_text = "Aucun contrat."

    legende = "Contrats"

    def render_periode(self, record):
        return record.periode
