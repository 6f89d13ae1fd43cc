"""The view across contracts: what the partners committed and did in the contracts a user reads over a
territory or a network (`contrat.permissions.Portee`), table by table.

Every table is one aggregate in the database (GROUP BY contract, partner, kind, QPV, year): the number of
queries does not grow with the contracts of the instance, and a page reads only the rows it shows. The
rules are the synthèse's: an amount not known is never taken for 0 (a sum of nothing known is « non
renseigné »), and a rate is said with the lines it stands on."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from contrat import territoires
from contrat.models import Contrat, Partenaire, Quartier, QuartierPrioritaire
from engagements.models import Collecte, Contribution, Dispositif, Estimation, Nature, Realisation, Taux
from gouvernance.models import Avis, Instance
from gouvernance.rythmes import acheve, suivi
from tenues.models import Tenue


@dataclass
class Filtres:
    annee: int
    nature: str = Nature.PREVISIONNEL
    region: str = ""
    departement: str = ""
    contrat: Contrat | None = None
    partenaire: Partenaire | None = None
    nature_partenaire: str = ""

    def parametres(self):
        """The query string that gives these filters again (the exports' links)."""
        from urllib.parse import urlencode

        valeurs = {
            "annee": self.annee,
            "nature": self.nature,
            "region": self.region,
            "departement": self.departement,
            "contrat": self.contrat.slug if self.contrat else "",
            "partenaire": self.partenaire.slug if self.partenaire else "",
            "nature_partenaire": self.nature_partenaire,
        }
        return urlencode({k: v for k, v in valeurs.items() if v not in ("", None)})

    def dits(self):
        """The filters in words, as the PDF and the files say them."""
        dits = []
        if self.region:
            dits.append(f"Région {self.region} — {territoires.nom_region(self.region)}")
        if self.departement:
            dits.append(f"Département {self.departement} — {territoires.nom_departement(self.departement)}")
        if self.contrat:
            dits.append(str(self.contrat))
        if self.partenaire:
            dits.append(self.partenaire.nom)
        if self.nature_partenaire:
            dits.append(Partenaire.Nature(self.nature_partenaire).label)
        return dits


def _agregats():
    """What each table sums: planned, done, and what the rate stands on (unknown is not 0)."""
    connu = Q(realisation__montant_realise__isnull=False)
    comparable = connu & Q(montant_annuel__isnull=False)
    return {
        "prevu": Sum("montant_annuel"),
        "lignes": Count("pk"),
        "prevus_inconnus": Count("pk", filter=Q(montant_annuel__isnull=True)),
        "realise": Sum("realisation__montant_realise"),
        "connues": Count("realisation__montant_realise"),
        "comparables": Count("pk", filter=comparable),
        "prevu_comparable": Sum("montant_annuel", filter=comparable),
        "realise_comparable": Sum("realisation__montant_realise", filter=comparable),
    }


_MONTANTS = ("prevu", "realise", "prevu_comparable", "realise_comparable")
_NOMBRES = ("lignes", "prevus_inconnus", "connues", "comparables")


def _additionner(rangs):
    """Rows of `_agregats` added up as the database would have: an amount is the sum of those known, and
    stays unknown (None) when none is."""
    total = {n: sum(r[n] for r in rangs) for n in _NOMBRES}
    for nom in _MONTANTS:
        connus = [_euros(r[nom]) for r in rangs if r[nom] is not None]
        total[nom] = sum(connus, Decimal(0)) if connus else None
    return total


def _euros(valeur):
    # SQLite sums decimals as floats: back to cents, the way the column stores them.
    return None if valeur is None else Decimal(str(valeur)).quantize(Decimal("0.01"))


@dataclass
class Chiffres:
    """Planned and done over some lines: the `Taux` of the synthèse, and the lines whose planned amount is
    not known."""

    taux: Taux
    prevus_inconnus: int

    @classmethod
    def de(cls, rang):
        rang = rang or {}
        lignes = rang.get("lignes") or 0
        return cls(
            Taux(
                prevu=_euros(rang.get("prevu")),
                realise=_euros(rang.get("realise")),
                realise_comparable=_euros(rang.get("realise_comparable")),
                prevu_comparable=_euros(rang.get("prevu_comparable")),
                inconnus=lignes - (rang.get("connues") or 0),
                lignes=lignes,
                comparables=rang.get("comparables") or 0,
            ),
            rang.get("prevus_inconnus") or 0,
        )

    @property
    def lignes(self):
        return self.taux.lignes


@dataclass
class EtatCollecte:
    """Where a contract's campaign of the year stands: N of M expected partners validated, late or not."""

    nature: str
    attendus: int
    validees: int
    echeance: object
    ouverte: bool
    jour: object

    @property
    def en_retard(self):
        return self.ouverte and self.validees < self.attendus and self.echeance < self.jour

    @property
    def libelle(self):
        texte = f"{self.validees} / {self.attendus} validée{'s' if self.attendus > 1 else ''}"
        if self.en_retard:
            texte += f", en retard (échéance du {self.echeance:%d/%m/%Y})"
        return texte


@dataclass
class RangContrat:
    contrat: Contrat
    departements: list
    chiffres: Chiffres
    collecte: EtatCollecte | None
    bilan: EtatCollecte | None
    rapport: str
    lisible: bool  # the whole contract is read (its territory's role): its page opens, its report is said

    @property
    def collecte_libelle(self):
        return self.collecte.libelle if self.collecte else "Pas de collecte ouverte"

    @property
    def bilan_libelle(self):
        return self.bilan.libelle if self.bilan else "Pas de bilan demandé"


def _rapport(avis, jour):
    """The annual report in a few words: not sent, or sent with its opinions received, « réputé favorable »
    once the month has passed without one, or awaited."""
    if not avis:
        return "Non transmis aux conseils citoyens"
    etats = [a.etat(jour) for a in avis]
    parties = [f"transmis à {len(avis)} conseil{'s' if len(avis) > 1 else ''} citoyen{'s' if len(avis) > 1 else ''}"]
    for etat, mot in (("rendu", "avis rendu"), ("repute_favorable", "réputé favorable"), ("attendu", "attendu")):
        if n := etats.count(etat):
            parties.append(f"{n} {mot}")
    return ", ".join(parties).capitalize()


TENUES = [
    (Tenue.Statut.TENU, "Tenus"),
    (Tenue.Statut.PARTIELLEMENT, "Partiellement tenus"),
    (Tenue.Statut.NON_TENU, "Non tenus"),
    (Tenue.Statut.NON_EVALUE, "Non évalués"),
]


class Consolidation:
    def __init__(self, portee, filtres, jour=None):
        self.portee, self.filtres = portee, filtres
        self.jour = jour or timezone.localdate()
        # A bilan reads planned against done; a prévisionnel, the planned amounts alone.
        self.bilan = filtres.nature == Nature.BILAN

    # -- what is read -----------------------------------------------------------------

    def contrats(self):
        """The contracts the user reads (`Portee`), within the territory and contract filtered."""
        f = self.filtres
        qs = self.portee.contrats(Contrat.objects.all())
        if f.region:
            qs = qs.de_la_region(f.region)
        if f.departement:
            qs = qs.du_departement(f.departement)
        if f.contrat is not None:
            qs = qs.filter(pk=f.contrat.pk)
        return qs.order_by("nom", "pk")

    def _des_partenaires(self, qs, partenaire="partenaire"):
        f = self.filtres
        qs = qs.filter(self.portee.filtre(partenaire=partenaire))
        if f.partenaire is not None:
            qs = qs.filter(**{partenaire: f.partenaire})
        if f.nature_partenaire:
            qs = qs.filter(**{f"{partenaire}__nature": f.nature_partenaire})
        return qs

    def lignes(self, toutes_annees=False):
        """The lines read (dispositifs not archived), of the year unless `toutes_annees`."""
        qs = Estimation.objects.filter(contrat__in=self.contrats().values("pk"), dispositif__archive=False)
        if not toutes_annees:
            qs = qs.filter(annee=self.filtres.annee)
        return self._des_partenaires(qs).order_by()

    # -- the tables -----------------------------------------------------------------------

    def total(self):
        """The lines of every organisation, added from `par_partenaire`'s rows: no query of its own."""
        return Chiffres.de(_additionner(self.par_partenaire()))

    def par_contrat(self, contrats):
        """A row per contract of `contrats` (a page of them, or all): its départements, its figures, its
        campaign and bilan of the year, its annual report — a fixed number of queries for any number."""
        contrats = list(contrats)
        ids = [c.pk for c in contrats]
        chiffres = {
            r["contrat"]: r for r in self.lignes().filter(contrat__in=ids).values("contrat").annotate(**_agregats())
        }
        departements = {}
        for contrat_id, departement in (
            Contrat.communes.through.objects.filter(contrat__in=ids)
            .exclude(commune__departement="")
            .values_list("contrat_id", "commune__departement")
            .distinct()
        ):
            departements.setdefault(contrat_id, set()).add(departement)
        collectes = self._collectes(ids)
        entiers = self._entiers(ids)
        rapports = {}
        # A network reads its own lines, not the report of a contract outside its territory.
        for a in Avis.objects.filter(contrat__in=entiers, annee=self.filtres.annee):
            rapports.setdefault(a.contrat_id, []).append(a)
        return [
            RangContrat(
                c,
                sorted(departements.get(c.pk, ())),
                Chiffres.de(chiffres.get(c.pk)),
                collectes.get((c.pk, Nature.PREVISIONNEL)),
                collectes.get((c.pk, Nature.BILAN)),
                _rapport(rapports.get(c.pk, []), self.jour) if c.pk in entiers else "—",
                c.pk in entiers,
            )
            for c in contrats
        ]

    def _entiers(self, ids):
        """Those of the contracts `ids` the user reads whole (one query, whatever their number; kept for the
        tables that ask again for the same contracts)."""
        if self.portee.tout:
            return set(ids)
        cle = frozenset(ids)
        if getattr(self, "_entiers_lus", (None,))[0] != cle:
            lus = self.portee.contrats_entiers(Contrat.objects.filter(pk__in=ids)).values_list("pk", flat=True)
            self._entiers_lus = (cle, set(lus))
        return self._entiers_lus[1]

    def _collectes(self, ids):
        f = self.filtres
        attendus = Q()
        if not self.portee.tout and self.portee.reseaux:
            # Outside its territory, a network counts only its own organisations among those expected.
            entiers = self.portee.contrats_entiers(Contrat.objects.all()).values("pk")
            attendus = Q(contrat__in=entiers) | Q(partenaires__in=self.portee.reseaux)
        if f.partenaire is not None:
            attendus &= Q(partenaires=f.partenaire)
        if f.nature_partenaire:
            attendus &= Q(partenaires__nature=f.nature_partenaire)
        collectes = Collecte.objects.filter(contrat__in=ids, annee=f.annee).annotate(
            attendus=Count("partenaires", filter=attendus, distinct=True)
        )
        # Validated contributions of the partners the campaign expects.
        validees = {
            (r["contrat"], r["nature"]): r["n"]
            for r in self._des_partenaires(
                Contribution.objects.filter(
                    contrat__in=ids,
                    annee=f.annee,
                    statut=Contribution.Statut.VALIDE,
                    partenaire__collectes__contrat=F("contrat"),
                    partenaire__collectes__annee=f.annee,
                    partenaire__collectes__nature=F("nature"),
                )
            )
            .values("contrat", "nature")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        }
        return {
            (c.contrat_id, c.nature): EtatCollecte(
                c.nature, c.attendus, validees.get((c.contrat_id, c.nature), 0), c.echeance, c.ouverte, self.jour
            )
            for c in collectes
        }

    def par_partenaire(self):
        """A row per organisation (a dict): its identifiers, its kind, how many contracts, its figures. One
        aggregate, read once: the kinds and the total are added from its rows (a few thousand organisations
        for the whole country), not aggregated again over the lines."""
        if not hasattr(self, "_par_partenaire"):
            self._par_partenaire = list(
                self.lignes()
                .values("partenaire__slug", "partenaire__nom", "partenaire__siren", "partenaire__nature")
                .annotate(contrats=Count("contrat", distinct=True), **_agregats())
                .order_by("partenaire__nom", "partenaire__slug")
            )
        return self._par_partenaire

    def par_nature(self):
        groupes = {}
        for rang in self.par_partenaire():
            groupes.setdefault(rang["partenaire__nature"], []).append(rang)
        return [
            (libelle, Chiffres.de(_additionner(groupes[code])))
            for code, libelle in Partenaire.Nature.choices
            if code in groupes
        ]

    def par_qpv(self):
        """[(code, nom, Chiffres)] per quartier prioritaire (2024 codes) the lines' dispositifs target, and last
        the lines targeting none. A line counts once in each QPV it targets (once, even when its dispositif
        targets two quartiers of one QPV), so the rows do not add up. One query over the distinct pairs
        (QPV, line), which the ORM does not write."""
        from django.db import connection

        E, R = Estimation._meta.db_table, Realisation._meta.db_table
        DQ, Q_, P = (
            Dispositif.quartiers.through._meta.db_table,
            Quartier._meta.db_table,
            QuartierPrioritaire._meta.db_table,
        )
        sql_lignes, params = self.lignes().values("pk").query.sql_with_params()
        sql = f"""
            SELECT p.code, p.nom, SUM(x.prevu), COUNT(*), SUM(CASE WHEN x.prevu IS NULL THEN 1 ELSE 0 END),
                   SUM(x.realise), COUNT(x.realise),
                   SUM(CASE WHEN x.prevu IS NOT NULL AND x.realise IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN x.realise IS NOT NULL THEN x.prevu END),
                   SUM(CASE WHEN x.prevu IS NOT NULL THEN x.realise END)
            FROM (
                SELECT DISTINCT q.qpv_id AS qpv_id, e.id AS id, e.montant_annuel AS prevu, r.montant_realise AS realise
                FROM {E} e
                JOIN {DQ} dq ON dq.dispositif_id = e.dispositif_id
                JOIN {Q_} q ON q.id = dq.quartier_id
                LEFT JOIN {R} r ON r.estimation_id = e.id
                WHERE q.qpv_id IS NOT NULL AND e.id IN ({sql_lignes})
            ) x
            JOIN {P} p ON p.id = x.qpv_id
            GROUP BY p.code, p.nom
            ORDER BY p.code
        """
        noms = ["prevu", "lignes", "prevus_inconnus", "realise", "connues", "comparables"]
        noms += ["prevu_comparable", "realise_comparable"]
        with connection.cursor() as curseur:
            curseur.execute(sql, params)
            rangs = [(code, nom, Chiffres.de(dict(zip(noms, valeurs)))) for code, nom, *valeurs in curseur.fetchall()]
        cibles = Dispositif.quartiers.through.objects.filter(
            dispositif_id=OuterRef("dispositif_id"), quartier__qpv__isnull=False
        )
        sans = self.lignes().exclude(Exists(cibles)).aggregate(**_agregats())
        if sans["lignes"]:
            rangs.append(("", "Sans quartier prioritaire identifié", Chiffres.de(sans)))
        return rangs

    def par_annee(self):
        return [
            (r["annee"], Chiffres.de(r))
            for r in self.lignes(toutes_annees=True).values("annee").annotate(**_agregats()).order_by("annee")
        ]

    def tenues(self):
        """The commitments that are not amounts, for the year: how many tenus, partiellement, non tenus, non
        évalués."""
        qs = self._des_partenaires(
            Tenue.objects.filter(contrat__in=self.contrats().values("pk"), annee=self.filtres.annee)
        )
        comptes = dict(qs.values_list("statut").annotate(n=Count("pk")).order_by())
        return [(libelle, comptes.get(statut, 0)) for statut, libelle in TENUES]

    def instances_en_retard(self, contrats):
        """The governance bodies of `contrats` late as of today (a meeting expected and not held): two
        queries for any number of contracts."""
        contrats = {c.pk: c for c in contrats}
        entiers = self._entiers(list(contrats))
        contrats = {pk: c for pk, c in contrats.items() if pk in entiers}
        instances = (
            Instance.objects.filter(contrat__in=list(contrats), archivee=False)
            .select_related("document")
            .prefetch_related("seances")
            .order_by("contrat__nom", "nom")
        )
        en_retard = []
        for s in suivi(list(instances), self.jour):
            contrat = contrats[s.instance.contrat_id]
            if acheve(contrat, self.jour):
                if s.manques:
                    n = len(s.manques)
                    libelle = f"{n} période{'s' if n > 1 else ''} sur {len(s.creneaux)} sans sa séance"
                    en_retard.append(InstanceEnRetard(contrat, s.instance, libelle))
            elif s.manque:
                creneau, tenues = s.retard
                libelle = (
                    f"{tenues} séance{'s' if tenues > 1 else ''} sur {creneau.nombre} attendue"
                    f"{'s' if creneau.nombre > 1 else ''} entre le {creneau.debut:%d/%m/%Y} "
                    f"et le {creneau.fin:%d/%m/%Y}"
                )
                en_retard.append(InstanceEnRetard(contrat, s.instance, libelle))
        return en_retard


@dataclass
class InstanceEnRetard:
    contrat: Contrat
    instance: Instance
    libelle: str
