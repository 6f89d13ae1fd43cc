"""The yearly campaign of a contract: who is expected, where each stands, who is reminded.

One function answers "where does each expected partner stand" (`suivi`): the dashboard,
the home pages, the annexe's "non transmis" and the reminders all read it, so they cannot
disagree on a status.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse

from contrat import permissions
from contrat.models import Partenaire
from noyau import courriels
from noyau.models import Historique

from .models import Collecte, Contribution, Dispositif, Estimation, Nature, Realisation, Relance

RAPPEL_AVANT = 7  # days before the deadline of the first reminder; then on the deadline, then weekly


class Etat(models.TextChoices):
    NON_COMMENCEE = "non_commencee", "Non commencée"
    BROUILLON = "brouillon", "Brouillon"
    SOUMISE = "soumis", "Soumise"
    RENVOYEE = "renvoye", "Renvoyée"
    VALIDEE = "valide", "Validée"


A_COMPLETER = {Etat.NON_COMMENCEE, Etat.BROUILLON, Etat.RENVOYEE}
BADGES = {
    Etat.NON_COMMENCEE: "error",
    Etat.BROUILLON: "new",
    Etat.SOUMISE: "info",
    Etat.RENVOYEE: "warning",
    Etat.VALIDEE: "success",
}


def etat_de(contribution, lignes):
    """Where a partner stands for a year, from its contribution (or its absence) and its lines."""
    if contribution is not None and contribution.statut != Contribution.Statut.BROUILLON:
        return Etat(contribution.statut)
    return Etat.BROUILLON if lignes else Etat.NON_COMMENCEE


@dataclass
class Position:
    """One expected (or contributing) partner in a year's campaign."""

    partenaire: Partenaire
    etat: Etat
    contribution: Contribution | None
    lignes: int
    sans_montant: int
    total_annuel: Decimal | None
    total_pluriannuel: Decimal | None
    mise_a_jour: object
    derniere_relance: date | None
    attendu: bool
    total_realise: Decimal | None = None  # a bilan: what the known lines actually mobilised

    @property
    def etat_libelle(self):
        return self.etat.label

    @property
    def badge(self):
        return BADGES[self.etat]

    @property
    def connues(self):
        """Lines whose amount (in a bilan: what was done) is known."""
        return self.lignes - self.sans_montant

    @property
    def a_completer(self):
        return self.etat in A_COMPLETER

    @property
    def commentaire(self):
        return self.contribution.commentaire if self.contribution and self.etat == Etat.RENVOYEE else ""

    @property
    def rien_a_declarer(self):
        return bool(self.contribution and self.contribution.rien_a_declarer and not self.lignes)


def collecte_de(contrat, annee, nature=Nature.PREVISIONNEL):
    return Collecte.objects.filter(contrat=contrat, annee=annee, nature=nature).prefetch_related("partenaires").first()


def suivi(contrat, annee, collecte=None, partenaires=None, nature=Nature.PREVISIONNEL):
    """Every partner expected by the year's campaign, and every partner with lines that year, with
    its state, in a fixed number of queries whatever the number of partners and lines.

    `partenaires`: only these (a partner's own home page). A bilan (the campaign's nature, else
    `nature`) follows the same lines: a line is « sans montant » until what it mobilised is known."""
    nature = collecte.nature if collecte else nature
    return _suivis([(contrat.pk, annee, nature, collecte)], partenaires)[0]


def suivi_des_collectes(collectes, partenaires):
    """{collecte pk: its positions} of several campaigns for the organisations `partenaires` (a national
    partner's agent is expected in dozens of contracts), in the queries of one."""
    collectes = list(collectes)
    suivis = _suivis([(c.contrat_id, c.annee, c.nature, c) for c in collectes], partenaires)
    return {c.pk: positions for c, positions in zip(collectes, suivis, strict=True)}


def _suivis(demandes, partenaires=None):
    """The positions of each (contract id, year, nature, campaign or None) of `demandes`, in the same
    fixed number of queries for one as for many."""
    if not demandes:
        return []
    siens = None if partenaires is None else {p.pk for p in partenaires}
    annees = Q(pk__in=[])
    for contrat_id, annee, _, _ in demandes:
        annees |= Q(contrat_id=contrat_id, dispositif__contrat_id=contrat_id, annee=annee)  # see du_contrat
    lignes = Estimation.objects.filter(annees, dispositif__archive=False)
    if siens is not None:
        lignes = lignes.filter(partenaire__in=siens)
    chiffres = _chiffres(lignes)
    attendus = [
        {p.pk: p for p in collecte.partenaires.all() if siens is None or p.pk in siens} if collecte else {}
        for _, _, _, collecte in demandes
    ]
    connus = {pk: p for par in attendus for pk, p in par.items()}
    manquants = {pk for _, _, pk in chiffres} - set(connus)
    if manquants:
        connus.update({p.pk: p for p in Partenaire.objects.filter(pk__in=manquants)})
    natures = Q(pk__in=[])
    for contrat_id, annee, nature, _ in demandes:
        natures |= Q(contrat_id=contrat_id, annee=annee, nature=nature)
    contributions = {
        (c.contrat_id, c.annee, c.nature, c.partenaire_id): c
        for c in Contribution.objects.filter(natures, partenaire__in=list(connus))
    }
    derniers = _derniers_changements(lignes, {nature == Nature.BILAN for _, _, nature, _ in demandes})
    relances = _dernieres_relances([collecte for *_, collecte in demandes if collecte])
    resultat = []
    for (contrat_id, annee, nature, collecte), attendus_ici in zip(demandes, attendus, strict=True):
        bilan = nature == Nature.BILAN
        ici = set(attendus_ici) | {pk for c, a, pk in chiffres if (c, a) == (contrat_id, annee)}
        positions = []
        for pk in ici:
            chiffre = chiffres.get((contrat_id, annee, pk), {})
            contribution = contributions.get((contrat_id, annee, nature, pk))
            dernier = derniers.get((bilan, contrat_id, annee, pk))
            candidates = [d for d in (dernier, contribution.modifie_le if contribution else None) if d]
            positions.append(
                Position(
                    partenaire=connus[pk],
                    # A bilan is begun once one line says what it did (an amount, or a remark on an unknown one).
                    etat=etat_de(contribution, chiffre.get("rapportees" if bilan else "n", 0)),
                    contribution=contribution,
                    lignes=chiffre.get("n", 0),
                    sans_montant=chiffre.get("vides_bilan" if bilan else "vides", 0),
                    total_annuel=chiffre.get("annuel"),
                    total_pluriannuel=chiffre.get("pluriannuel"),
                    mise_a_jour=max(candidates) if candidates else None,
                    derniere_relance=relances.get((collecte.pk, pk)) if collecte else None,
                    attendu=pk in attendus_ici,
                    total_realise=chiffre.get("realise") if bilan else None,
                )
            )
        resultat.append(sorted(positions, key=lambda p: p.partenaire.nom))
    return resultat


def _chiffres(lignes):
    """{(contract id, year, partner pk): its lines' count, unknown ones (planned, or done in a bilan),
    totals} in one query."""
    cle = ("contrat", "annee", "partenaire")
    return {
        tuple(r[k] for k in cle): r
        for r in lignes.order_by()
        .values(*cle)
        .annotate(
            n=Count("pk"),
            vides=Count("pk", filter=Q(montant_annuel__isnull=True)),
            vides_bilan=Count("pk", filter=Q(realisation__isnull=True) | Q(realisation__montant_realise__isnull=True)),
            annuel=Sum("montant_annuel"),
            pluriannuel=Sum("montant_pluriannuel"),
            realise=Sum("realisation__montant_realise"),
            rapportees=Count("realisation"),
        )
    }


def _derniers_changements(lignes, bilans):
    """{(bilan?, contract id, year, partner pk): when one of its lines (in a bilan: what they did) last
    changed}, from the history, in two queries per nature asked (`bilans`: {False, True} or one of them)."""
    suivies = {
        False: (Estimation.suivi.nature, lignes, ("contrat", "annee", "partenaire")),
        True: (
            Realisation.suivi.nature,
            Realisation.objects.filter(estimation__in=lignes),
            ("estimation__contrat", "estimation__annee", "estimation__partenaire"),
        ),
    }
    derniers = {}
    for bilan in bilans:
        objet, lignes_suivies, cle = suivies[bilan]
        groupe_de = {pk: (bilan, *groupe) for pk, *groupe in lignes_suivies.values_list("pk", *cle)}
        contrats = {groupe[1] for groupe in groupe_de.values()}
        dates = (
            Historique.objects.filter(contrat_id__in=contrats, objet=objet, objet_id__in=lignes_suivies.values("pk"))
            .order_by()
            .values("objet_id")
            .annotate(m=Max("date"))
            .values_list("objet_id", "m")
        )
        for objet_id, jour in dates:
            groupe = groupe_de.get(objet_id)
            if groupe is not None and (groupe not in derniers or jour > derniers[groupe]):
                derniers[groupe] = jour
    return derniers


def _dernieres_relances(collectes):
    """{(campaign pk, partner pk): the day of its last reminder}."""
    if not collectes:
        return {}
    return {
        (r["collecte"], r["partenaire"]): r["m"]
        for r in Relance.objects.filter(collecte__in=collectes)
        .order_by()
        .values("collecte", "partenaire")
        .annotate(m=Max("jour"))
    }


def _avec_des_lignes(contrat):
    """The contract's organisations and those with dispositifs or lines in it: a subquery of this contract
    each, not a join of every contract's dispositifs and estimations of a partner present nationwide."""
    return (
        Q(pk__in=Partenaire.objects.du_contrat(contrat).values("pk"))
        | Q(pk__in=Dispositif.objects.filter(contrat=contrat).values("partenaire"))
        | Q(pk__in=Estimation.objects.filter(contrat=contrat).values("partenaire"))
    )


def proposer_partenaires(contrat, annee):
    """Expected by default: the contract's partners that have agents, and those with lines the year before."""
    du_contrat = Partenaire.objects.filter(_avec_des_lignes(contrat))
    # Agents in this contract: an organisation's people elsewhere say nothing of who answers here.
    avec_agents = du_contrat.filter(membres__role="agent", membres__actif=True, membres__contrat=contrat)
    annee_passee = Estimation.objects.filter(contrat=contrat, annee=annee - 1).values("partenaire")
    return Partenaire.objects.filter(Q(pk__in=avec_agents.values("pk")) | Q(pk__in=annee_passee)).order_by("nom")


def partenaires_du_contrat(contrat):
    """Those the chef de projet may expect: the signatories, whoever has lines, whoever is already expected."""
    return Partenaire.objects.filter(
        _avec_des_lignes(contrat) | Q(pk__in=Collecte.objects.filter(contrat=contrat).values("partenaires"))
    ).order_by("nom")


# -- reminders -------------------------------------------------------------------------


def jour_de_relance(collecte, jour):
    """7 days before the deadline, on the deadline, then every week after it."""
    ecart = (jour - collecte.echeance).days
    return ecart == -RAPPEL_AVANT or (ecart >= 0 and ecart % 7 == 0)


def en_retard(collecte, position, jour):
    return position.attendu and position.a_completer and jour > collecte.echeance


def a_relancer(collecte, positions):
    """The expected partners that have not submitted yet."""
    return [p for p in positions if p.attendu and p.a_completer]


def relancer(collecte, positions, jour, par=None):
    """Reminds each partner (its `Position` in the campaign, as `suivi` gave it) once on a given day,
    whoever asks (the command, the button, twice).

    Returns (reminded partners, partners already reminded that day, partners with no agent to write to)."""
    faites, deja, sans_adresse = [], [], []
    for position in positions:
        partenaire = position.partenaire
        adresses = [u.email for u in permissions.agents_de(partenaire, collecte.contrat)]
        if not adresses:
            sans_adresse.append(partenaire)
            continue
        try:
            with transaction.atomic():
                relance = Relance.objects.create(collecte=collecte, partenaire=partenaire, jour=jour, par=par)
                relance.courriel = courriels.preparer(
                    collecte.contrat_id,
                    "relance",
                    adresses,
                    "courriels/relance",
                    {
                        "collecte": collecte,
                        "partenaire": partenaire,
                        "position": position,
                        "lien": lien_contribution(collecte.contrat, partenaire, collecte.annee, collecte.nature),
                        "jours": (collecte.echeance - jour).days,
                    },
                )
                relance.save(update_fields=["courriel"])
        except IntegrityError:
            deja.append(partenaire)
        else:
            faites.append(partenaire)
    return faites, deja, sans_adresse


def lien_contribution(contrat, partenaire, annee, nature=Nature.PREVISIONNEL):
    vue = "engagements:bilan" if nature == Nature.BILAN else "engagements:contribution"
    return reverse(vue, args=[contrat.slug, partenaire.slug, annee])


# -- notices of the transitions ----------------------------------------------------------------


def notifier(contribution, action, user):
    """The mail that announces a transition, written in its transaction (sent after it)."""
    contrat, partenaire = contribution.contrat, contribution.partenaire
    if action == "soumettre":
        destinataires = [u.email for u in permissions.chefs_de_projet(contrat)]
    elif action in ("valider", "renvoyer", "rouvrir"):
        destinataires = [u.email for u in permissions.agents_de(partenaire, contrat)]
    else:
        return None
    collecte = Collecte.objects.filter(contrat=contrat, annee=contribution.annee, nature=contribution.nature).first()
    bilan = "&nature=bilan" if contribution.bilan else ""
    return courriels.preparer(
        contrat.pk,
        action,
        destinataires,
        f"courriels/{action}",
        {
            "contribution": contribution,
            "contrat": contrat,
            "partenaire": partenaire,
            "collecte": collecte,
            "lien": lien_contribution(contrat, partenaire, contribution.annee, contribution.nature),
            "par": (user.get_full_name() or user.get_username()) if user else "l'administration",
            "tableau": reverse("engagements:tableau_de_bord", args=[contrat.slug])
            + f"?annee={contribution.annee}{bilan}",
        },
    )


def echeance_par_defaut(jour):
    return jour + timedelta(days=30)


def annees_du_contrat(contrat):
    """The years with lines or a campaign, most recent last."""
    avec_lignes = set(Estimation.objects.filter(contrat=contrat).order_by().values_list("annee", flat=True).distinct())
    return sorted(avec_lignes | set(contrat.collectes.values_list("annee", flat=True)))
