import django_tables2 as tables
from django.db.models import Count, Sum

from noyau.montants import euros

from .models import Dispositif, Estimation

# Amounts right-aligned, in tabular figures, headers and totals alike.
MONTANT = {"td": {"class": "montant"}, "th": {"class": "montant"}, "tf": {"class": "montant"}}


def _total(table, champ):
    """The sum over every filtered row, not only the page shown (unknown amounts left out)."""
    return table.resume()[champ]


class DispositifTable(tables.Table):
    intitule = tables.Column(linkify=True, verbose_name="Intitulé")
    contrat = tables.Column(accessor="contrat__nom", verbose_name="Contrat")
    partenaire = tables.Column(accessor="partenaire__sigle", verbose_name="Service responsable")
    objectifs = tables.Column(empty_values=(), orderable=False, verbose_name="Objectifs opérationnels")
    # In the files only: the stable identifiers that join them with other instances' (contract, dispositif, SIREN).
    identifiant_contrat = tables.Column(accessor="contrat__slug", verbose_name="Identifiant du contrat", visible=False)
    code = tables.Column(verbose_name="Identifiant du dispositif", visible=False)
    siren = tables.Column(accessor="partenaire__siren", verbose_name="SIREN du service responsable", visible=False)

    class Meta:
        model = Dispositif
        fields = ("intitule", "contrat", "partenaire", "objectifs", "unite_compte", "statut")
        sequence = (*fields, "...")  # the row template writes the visible cells in this order
        template_name = "engagements/_table_dispositifs.html"
        attrs = {"class": "fr-table__content"}
        empty_text = "Aucun dispositif ne correspond à ces filtres."

    legende = "Dispositifs correspondant aux filtres"

    def render_objectifs(self, record):
        return " · ".join(o.libelle for o in record.objectifs.all())

    value_objectifs = render_objectifs


class EstimationTable(tables.Table):
    dispositif = tables.Column(
        accessor="dispositif__intitule",
        linkify=lambda record: record.dispositif.get_absolute_url(),
        verbose_name="Dispositif",
        footer="Total des estimations filtrées (toutes pages)",
    )
    contrat = tables.Column(accessor="dispositif__contrat__nom", verbose_name="Contrat")
    partenaire = tables.Column(accessor="partenaire__sigle", verbose_name="Partenaire")
    montant_annuel = tables.Column(
        verbose_name="Montant annuel", attrs=MONTANT, footer=lambda table: euros(_total(table, "montant_annuel"))
    )
    periode = tables.Column(empty_values=(), order_by=("periode_debut", "periode_fin"), verbose_name="Période")
    montant_pluriannuel = tables.Column(
        verbose_name="Montant pluriannuel",
        attrs=MONTANT,
        footer=lambda table: euros(_total(table, "montant_pluriannuel")),
    )

    identifiant_contrat = tables.Column(
        accessor="dispositif__contrat__slug", verbose_name="Identifiant du contrat", visible=False
    )
    identifiant_dispositif = tables.Column(
        accessor="dispositif__code", verbose_name="Identifiant du dispositif", visible=False
    )
    siren = tables.Column(accessor="partenaire__siren", verbose_name="SIREN du partenaire", visible=False)

    class Meta:
        model = Estimation
        fields = ("dispositif", "contrat", "partenaire", "annee", "montant_annuel", "periode", "montant_pluriannuel")
        attrs = {"class": "fr-table__content"}
        empty_text = "Aucune estimation ne correspond à ces filtres."

    legende = "Estimations correspondant aux filtres, et leur total"

    def resume(self):
        """The count of the filtered rows and both totals, in one aggregate read once: the paginator takes
        its count from it (a national partner's list filters 150 000 rows; reading them once, not three
        times)."""
        if not hasattr(self, "_resume"):
            self._resume = self.data.data.order_by().aggregate(
                n=Count("pk"), montant_annuel=Sum("montant_annuel"), montant_pluriannuel=Sum("montant_pluriannuel")
            )
            self.data._length = self._resume["n"]
        return self._resume

    def render_montant_annuel(self, value):
        return euros(value)

    def render_montant_pluriannuel(self, value):
        return euros(value)

    def value_montant_annuel(self, value):
        return value

    def value_montant_pluriannuel(self, value):
        return value

    def render_periode(self, record):
        return record.periode
