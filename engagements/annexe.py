"""The annexe financière as data: the strategy tree, the lines under it, subtotals
and totals. The page, the PDF and the workbook all render this one object, so
they cannot disagree on a total.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils import timezone

from contrat.models import Objectif, Orientation, Partenaire, Pilier
from noyau.historique import etats_au, objet_au

from . import collectes
from .models import AnnexeFinanciere, Collecte, Contribution, Dispositif, Estimation, Nature, somme, taux


@dataclass
class Groupe:
    """Lines sharing the same objectifs: one cell of the OBJECTIFS column spanning them."""

    objectifs: list
    lignes: list = field(default_factory=list)

    @property
    def nb_rangs(self):
        return max(1, len(self.lignes))


@dataclass
class BlocOrientation:
    orientation: object
    groupes: list = field(default_factory=list)
    transversal: bool = False  # the enjeux transversaux print no orientation column

    @property
    def nb_rangs(self):
        return sum(g.nb_rangs for g in self.groupes) or 1


@dataclass
class BlocPilier:
    pilier: object
    orientations: list = field(default_factory=list)

    @property
    def nb_rangs(self):
        return sum(o.nb_rangs for o in self.orientations) or 1

    @property
    def lignes(self):
        return [ligne for o in self.orientations for g in o.groupes for ligne in g.lignes]

    @property
    def total_annuel(self):
        return somme(e.montant_annuel for e in self.lignes)

    @property
    def total_pluriannuel(self):
        return somme(e.montant_pluriannuel for e in self.lignes)


@dataclass
class Rang:
    """One printed row. Grouping cells are set only on the first row they span."""

    nature: str  # "ligne", "sous_total", "hors_pilier", "total"
    ligne: Estimation | None = None
    pilier: BlocPilier | None = None
    pilier_rowspan: int = 0
    orientation: BlocOrientation | None = None
    orientation_rowspan: int = 0
    groupe: Groupe | None = None
    groupe_rowspan: int = 0
    numero: int = 0  # position among the line rows, for the workbook's formulas


def objectifs_ids(dispositif):
    """Ids of the objectifs a line serves: prefetched, or taken from a past state."""
    if hasattr(dispositif, "objectifs_ids"):
        return dispositif.objectifs_ids
    return [o.pk for o in dispositif.objectifs.all()]


@dataclass
class PartenaireAnnexe:
    """A partner in the annexe's recapitulation: its totals for the year and its answer."""

    partenaire: object
    lignes: int
    total_annuel: Decimal | None
    total_pluriannuel: Decimal | None
    contribution: Contribution | None

    @property
    def validee(self):
        return self.contribution is not None and self.contribution.statut == Contribution.Statut.VALIDE

    @property
    def rien_a_declarer(self):
        return (
            not self.lignes
            and self.contribution is not None
            and self.contribution.rien_a_declarer
            and self.contribution.statut in (Contribution.Statut.SOUMIS, Contribution.Statut.VALIDE)
        )

    @property
    def non_transmis(self):
        return not self.lignes and not self.rien_a_declarer

    @property
    def situation(self):
        if self.non_transmis:
            return "Non transmis"
        if self.rien_a_declarer:
            return "Rien à déclarer"
        etat = collectes.etat_de(self.contribution, self.lignes)  # the dashboard's word, but for a draft
        return "En cours de saisie" if etat == collectes.Etat.BROUILLON else etat.label


class Passe:
    """The contract's annexe data as they stood at the end of a day, rebuilt from the history:
    lines, title blocks and notes, strategy tree (labels and order)."""

    def __init__(self, contrat, jour):
        self.contrat, self.jour = contrat, jour

    def objets(self, modele, actuels):
        return [
            objet_au(modele, pk, etat) for pk, etat in etats_au(modele, actuels, self.contrat.pk, self.jour).items()
        ]

    def estimations(self, annee, partenaire=None):
        contrat = self.contrat
        dispositifs = {
            d.pk: d
            for d in self.objets(
                Dispositif, {d.pk: d for d in contrat.dispositifs.prefetch_related("objectifs", "quartiers")}
            )
            if not d.archive
        }
        partenaires = {p.pk: p for p in Partenaire.objects.all()}
        lignes = []
        for e in self.objets(Estimation, {e.pk: e for e in Estimation.objects.filter(contrat=contrat)}):
            if e.annee != annee or e.dispositif_id not in dispositifs:
                continue
            if partenaire is not None and e.partenaire_id != partenaire.pk:
                continue
            e.dispositif = dispositifs[e.dispositif_id]
            e.dispositif.contrat = contrat
            e.dispositif.partenaire = partenaires[e.dispositif.partenaire_id]
            e.partenaire = partenaires[e.partenaire_id]
            lignes.append(e)
        lignes.sort(key=lambda e: (e.dispositif.ordre, e.dispositif.pk, e.partenaire.nom))
        return lignes

    def documents(self):
        return self.objets(AnnexeFinanciere, {a.pk: a for a in AnnexeFinanciere.objects.filter(contrat=self.contrat)})

    def arbre(self):
        piliers = self.objets(Pilier, {p.pk: p for p in Pilier.objects.filter(contrat=self.contrat)})
        for p in piliers:
            p.contrat = self.contrat  # its label names the contract's first level: no query per pilier
        orientations = self.objets(
            Orientation, {o.pk: o for o in Orientation.objects.filter(pilier__contrat=self.contrat)}
        )
        objectifs = self.objets(
            Objectif, {o.pk: o for o in Objectif.objects.filter(orientation__pilier__contrat=self.contrat)}
        )
        return _Arbre(piliers, orientations, objectifs)


class _Arbre:
    """Piliers → orientations → objectifs as plain lists, in their order."""

    def __init__(self, piliers, orientations, objectifs):
        self.piliers = sorted(piliers, key=lambda p: (p.ordre, p.pk))
        self.orientations, self.objectifs = {}, {}
        for o in sorted(orientations, key=lambda o: (o.ordre, o.pk)):
            self.orientations.setdefault(o.pilier_id, []).append(o)
        for o in sorted(objectifs, key=lambda o: (o.ordre, o.pk)):
            self.objectifs.setdefault(o.orientation_id, []).append(o)

    @classmethod
    def actuel(cls, contrat):
        piliers = list(Pilier.objects.filter(contrat=contrat).prefetch_related("orientations__objectifs"))
        for p in piliers:
            p.contrat = contrat
        orientations = [o for p in piliers for o in p.orientations.all()]
        return cls(piliers, orientations, [b for o in orientations for b in o.objectifs.all()])

    def orientations_de(self, pilier):
        return self.orientations.get(pilier.pk, [])

    def objectifs_de(self, orientation):
        return self.objectifs.get(orientation.pk, [])


class Annexe:
    def __init__(self, contrat, annee, partenaire=None, au=None):
        """`au`: a date, to print the annexe as it stood then (the signed version): lines, title
        block, notes and tree labels alike."""
        self.contrat = contrat
        self.annee = annee
        self.au = au
        self.partenaire_filtre = partenaire
        passe = Passe(contrat, au) if au is not None else None
        if passe is None:
            self.estimations = list(Estimation.objects.de_l_annexe(contrat, annee, partenaire))
            documents = list(AnnexeFinanciere.objects.filter(contrat=contrat, annee=annee).select_related("partenaire"))
            arbre = _Arbre.actuel(contrat)
        else:
            self.estimations = passe.estimations(annee, partenaire)
            documents = [d for d in passe.documents() if d.annee == annee]
            arbre = passe.arbre()
        self.partenaire = partenaire or (self._seul_partenaire() if len(self.recapitulatif) <= 1 else None)
        self.document = self._document(documents)
        # The all-partners annexe keeps each partner's caveats (its reserve, its footnotes), said by partner.
        presents = {e.partenaire_id for e in self.estimations}
        self.documents_des_partenaires = sorted(
            (d for d in documents if d.partenaire_id in presents and d is not self.document),
            key=lambda d: (d.partenaire.nom if d.partenaire_id else "", d.pk),
        )
        self.piliers, self.hors_pilier = self._arbre(arbre)

    # -- building -------------------------------------------------------

    def _seul_partenaire(self):
        # An unfiltered annexe whose lines all come from one partner is that partner's annexe.
        partenaires = {e.partenaire for e in self.estimations}
        return partenaires.pop() if len(partenaires) == 1 else None

    def _document(self, documents):
        partenaire_id = self.partenaire.pk if self.partenaire else None
        return next((d for d in sorted(documents, key=lambda d: d.pk) if d.partenaire_id == partenaire_id), None)

    def _arbre(self, arbre):
        piliers = arbre.piliers
        ordre_objectif = {}
        for pilier in piliers:
            for orientation in arbre.orientations_de(pilier):
                for objectif in arbre.objectifs_de(orientation):
                    ordre_objectif[objectif.pk] = (pilier.ordre, orientation.ordre, objectif.ordre, objectif)

        # Lines grouped by the set of objectifs they serve ("2-a) … 2-b) … 2-c)" in one cell).
        groupes = {}
        hors_pilier = []
        for estimation in self.estimations:
            cles = sorted(
                (ordre_objectif[pk] for pk in objectifs_ids(estimation.dispositif) if pk in ordre_objectif),
                key=lambda t: t[:3],
            )
            if not cles:
                hors_pilier.append(estimation)
                continue
            cle = tuple(t[3].pk for t in cles)
            groupes.setdefault(cle, Groupe(objectifs=[t[3] for t in cles])).lignes.append(estimation)

        par_orientation = {}
        for groupe in groupes.values():
            par_orientation.setdefault(groupe.objectifs[0].orientation_id, []).append(groupe)

        blocs = []
        for pilier in piliers:
            bloc = BlocPilier(pilier)
            for orientation in arbre.orientations_de(pilier):
                a_lignes = par_orientation.get(orientation.pk, [])
                if not a_lignes and (orientation.archive or pilier.archive):
                    continue  # archived and serving no line: no longer printed
                servis = {o.pk for g in a_lignes for o in g.objectifs}
                vides = [Groupe([o]) for o in arbre.objectifs_de(orientation) if o.pk not in servis and not o.archive]
                tous = sorted(a_lignes + vides, key=lambda g: min(ordre_objectif[o.pk][2] for o in g.objectifs))
                if not tous:
                    tous = [Groupe([])]
                bloc.orientations.append(BlocOrientation(orientation, tous, pilier.transversal))
            if bloc.orientations or not pilier.archive:
                blocs.append(bloc)
        return blocs, hors_pilier

    # -- figures --------------------------------------------------------

    @cached_property
    def recapitulatif(self):
        """Every partner the year's annexe owes an answer for, with its totals and where its contribution
        stands: those with lines, and those expected — by the year's campaign, or for having lines in
        another year of the contract. One with nothing for the year is *non transmis*, never absent."""
        par_partenaire = {}
        for e in self.estimations:
            par_partenaire.setdefault(e.partenaire, []).append(e)
        # Two subqueries of this contract, not one join of a partner's collectes with its estimations:
        # for a partner of many contracts the join grew with the square of the country.
        attendus = Partenaire.objects.parmi(
            Collecte.objects.filter(contrat=self.contrat, annee=self.annee).order_by().values_list("partenaires"),
            Estimation.objects.du_contrat(self.contrat).order_by().values_list("partenaire"),
        )
        if self.partenaire_filtre is not None:
            attendus = attendus.filter(pk=self.partenaire_filtre.pk)
        partenaires = set(par_partenaire) | set(attendus)
        contributions = {
            c.partenaire_id: c
            for c in Contribution.objects.filter(
                contrat=self.contrat,
                annee=self.annee,
                nature=Nature.PREVISIONNEL,
                partenaire__in=[p.pk for p in partenaires],
            )
        }
        lignes = []
        for partenaire in sorted(partenaires, key=lambda p: p.nom):
            estimations = par_partenaire.get(partenaire, [])
            contribution = contributions.get(partenaire.pk)
            lignes.append(
                PartenaireAnnexe(
                    partenaire,
                    len(estimations),
                    somme(e.montant_annuel for e in estimations),
                    somme(e.montant_pluriannuel for e in estimations),
                    contribution,
                )
            )
        return lignes

    @property
    def non_transmis(self):
        return [r for r in self.recapitulatif if r.non_transmis]

    @cached_property
    def bilan(self):
        """The year over, the annexe as it stands: [(partner, Taux)] and the total Taux — planned, done
        and the rate, a done amount not known never counted as 0. None before the year's end or for a
        past version (`au`), whose realisations were not kept."""
        if self.au is not None or self.annee >= timezone.localdate().year:
            return None
        par_partenaire = {}
        for e in self.estimations:
            par_partenaire.setdefault(e.partenaire, []).append(e)
        rangs = [(p, taux(lignes)) for p, lignes in sorted(par_partenaire.items(), key=lambda item: item[0].nom)]
        return rangs, taux(self.estimations)

    @cached_property
    def version_de_travail(self):
        """True until every partner the annexe owes an answer for has a validated contribution."""
        recapitulatif = self.recapitulatif
        return not recapitulatif or any(not r.validee for r in recapitulatif)

    @property
    def total_annuel(self):
        return somme(e.montant_annuel for e in self.estimations)

    @property
    def total_pluriannuel(self):
        return somme(e.montant_pluriannuel for e in self.estimations)

    @property
    def periode(self):
        if self.document:
            return f"{self.document.periode_debut}-{self.document.periode_fin}"
        periodes = {e.periode for e in self.estimations if e.periode}
        return periodes.pop() if len(periodes) == 1 else ""

    # -- wording --------------------------------------------------------

    @property
    def titre(self):
        if self.document and self.document.titre:  # as the signed annexe words it
            return self.document.titre
        if self.partenaire:
            return f"Mobilisation des crédits de droit commun par {self.partenaire.avec_article}"
        return "Mobilisation des crédits de droit commun des partenaires"

    @property
    def libelle_total(self):
        return f"TOTAL financements {self.partenaire.sigle}" if self.partenaire else "TOTAL financements"

    @property
    def notes(self):
        if self.document is not None:
            return self.document.liste_notes
        notes = []
        for document in self.documents_des_partenaires:
            sigle = document.partenaire.sigle
            if document.reserve:
                notes.append(f"{sigle} : {document.reserve}")
            notes += [
                f"{n[0]}{sigle} : {n[1:].lstrip()}" if n.startswith("*") else f"{sigle} : {n}"
                for n in document.liste_notes
            ]
        return notes

    @property
    def renvoi(self):
        # The amount headers carry the star of the first footnote, as in the signed annexe.
        return "*" if any(n.startswith("*") for n in self.notes) else ""  # (each partner's, all partners)

    @property
    def entete(self):
        document = self.document
        lignes = [
            document.intitule if document else "Dispositifs mobilisables sur les Territoires prioritaires",
            f"Estimation des aides en {self.annee}",
        ]
        if self.periode:
            lignes.append(f"Projection finale sur {self.periode}")
        if document and document.reserve:
            lignes.append(document.reserve)
        return lignes

    @property
    def colonnes(self):
        projection = f"Montant estimatif pour {self.periode}" if self.periode else "Montant estimatif pluriannuel"
        return [
            self.contrat.niveau_1.upper(),
            self.contrat.niveau_2.upper(),
            self.contrat.niveau_3.upper(),
            "Service responsable du financement",
            "Intitulé du dispositif / Offre de services",
            "Unité de compte (le cas échéant)",
            f"Estimation de la valorisation financière annuelle {self.annee}{self.renvoi}",
            "Remarques",
            f"{projection}{self.renvoi}",
        ]

    # -- layout ---------------------------------------------------------

    def rangs(self):
        numero = 0
        for bloc in self.piliers:
            premier_pilier = True
            for bloc_orientation in bloc.orientations:
                premier_orientation = True
                for groupe in bloc_orientation.groupes:
                    for i in range(groupe.nb_rangs):
                        ligne = groupe.lignes[i] if groupe.lignes else None
                        if ligne is not None:
                            numero += 1
                        yield Rang(
                            "ligne",
                            ligne=ligne,
                            pilier=bloc if premier_pilier else None,
                            pilier_rowspan=bloc.nb_rangs if premier_pilier else 0,
                            orientation=bloc_orientation if premier_orientation else None,
                            orientation_rowspan=bloc_orientation.nb_rangs if premier_orientation else 0,
                            groupe=groupe if i == 0 else None,
                            groupe_rowspan=groupe.nb_rangs if i == 0 else 0,
                            numero=numero if ligne is not None else 0,
                        )
                        premier_pilier = premier_orientation = False
            yield Rang("sous_total", pilier=bloc)
        for ligne in self.hors_pilier:
            numero += 1
            yield Rang("hors_pilier", ligne=ligne, numero=numero)
        yield Rang("total")
