"""The commitments followed in a year, with their follow-up: the fiches' engagements whose fiche
runs that year, and the reciprocal commitments of the contract's conventions in force that year."""

from dataclasses import dataclass

from django.db.models import Count, Q

from contrat import permissions
from contrat.models import Contrat
from engagements.models import EngagementReciproque
from fiches.models import Engagement
from tenues.permissions import tenues_renseignables

from .models import Tenue


def _en_cours(prefixe, annee):
    return (Q(**{f"{prefixe}annee_debut__isnull": True}) | Q(**{f"{prefixe}annee_debut__lte": annee})) & (
        Q(**{f"{prefixe}annee_fin__isnull": True}) | Q(**{f"{prefixe}annee_fin__gte": annee})
    )


@dataclass
class Ligne:
    engagement: object  # fiches.Engagement or engagements.EngagementReciproque
    tenue: Tenue | None
    modifiable: bool = False

    @property
    def de_fiche(self):
        return isinstance(self.engagement, Engagement)

    @property
    def cle(self):
        """The prefix of its form: unique on the page."""
        return f"{'f' if self.de_fiche else 'r'}{self.engagement.pk}"

    @property
    def partenaire(self):
        return self.engagement.partenaire

    @property
    def source(self):
        if self.de_fiche:
            fiche = self.engagement.fiche
            return f"{fiche.titre} — {fiche.intitule}"
        article = self.engagement.article
        return f"{article.document.titre} — article {article.numero}"

    @property
    def points(self):
        """The commitment as its document words it, line by line."""
        if self.de_fiche:
            texte = self.engagement.texte or self.engagement.nom
            return [ligne.strip() for ligne in texte.splitlines() if ligne.strip()]
        return [self.engagement.formule, *self.engagement.liste_points]

    @property
    def intitule(self):
        """Short words naming it in a label or a button."""
        premier = self.points[0] if self.points else self.source
        return premier if len(premier) <= 80 else premier[:79].rstrip() + "…"

    @property
    def valide(self):
        return self.tenue is not None and self.tenue.etat == Tenue.Etat.VALIDE


def lignes(contrat, annee, user):
    """The lines this user sees — all of them for the chef de projet, its organisations' for an agent —
    grouped by partner (the common commitments last), in a fixed number of queries."""
    pilote = permissions.peut_piloter(user, contrat)
    mes_partenaires = permissions.partenaires_agent(user, contrat)
    fiches = (
        Engagement.objects.filter(fiche__contrat=contrat)
        .filter(_en_cours("fiche__", annee))
        .select_related("fiche", "partenaire")
        .order_by("fiche__ordre", "fiche__pk", "ordre")
    )
    reciproques = (
        EngagementReciproque.objects.filter(article__document__contrat=contrat)
        .filter(_en_cours("article__document__", annee))
        .select_related("article__document", "partenaire")
        .order_by("article__document__ordre", "article__ordre", "ordre")
    )
    if not pilote:
        fiches = fiches.filter(partenaire__in=mes_partenaires)
        reciproques = reciproques.filter(partenaire__in=mes_partenaires)
    tenues = Tenue.objects.de_l_annee(contrat, annee)
    par_fiche = {t.engagement_fiche_id: t for t in tenues if t.engagement_fiche_id}
    par_reciproque = {t.engagement_reciproque_id: t for t in tenues if t.engagement_reciproque_id}
    resultat = [Ligne(e, par_fiche.get(e.pk)) for e in fiches]
    resultat += [Ligne(e, par_reciproque.get(e.pk)) for e in reciproques]
    peut = tenues_renseignables(user, contrat)
    for ligne in resultat:
        ligne.modifiable = peut(ligne.partenaire)
    groupes = {}
    for ligne in resultat:
        groupes.setdefault(ligne.partenaire, []).append(ligne)
    return sorted(groupes.items(), key=lambda g: (g[0] is None, g[0].nom if g[0] else ""))


def a_renseigner(user, annee):
    """An agent's commitments whose year `annee` is not said yet, and its follow-ups sent back (any
    year): [(contract, year, to say, sent back)] — the home page's list, in four queries."""
    fiches = (
        Engagement.objects.filter(permissions.filtre_agent(user, "partenaire", "fiche__contrat"))
        .filter(_en_cours("fiche__", annee), fiche__contrat__annee_debut__lte=annee)
        .exclude(tenues__annee=annee)
        .values_list("fiche__contrat", flat=True)
    )
    reciproques = (
        EngagementReciproque.objects.filter(permissions.filtre_agent(user, "partenaire", "article__document__contrat"))
        .filter(_en_cours("article__document__", annee), article__document__contrat__annee_debut__lte=annee)
        .exclude(tenues__annee=annee)
        .values_list("article__document__contrat", flat=True)
    )
    renvoyes = Tenue.objects.filter(
        permissions.filtre_agent(user, "partenaire", "contrat"), etat=Tenue.Etat.RENVOYE
    ).values_list("contrat", "annee")
    comptes = {}
    for pk in [*fiches, *reciproques]:
        comptes.setdefault((pk, annee), [0, 0])[0] += 1
    for cle in renvoyes:
        comptes.setdefault(cle, [0, 0])[1] += 1
    contrats = {c.pk: c for c in Contrat.objects.filter(pk__in={pk for pk, _ in comptes})}
    lignes_ = [
        (contrats[pk], a, *comptes[(pk, a)])
        for pk, a in comptes
        if a <= contrats[pk].annee_fin_effective or comptes[(pk, a)][1]
    ]
    return sorted(lignes_, key=lambda rang: (rang[0].nom, rang[1]))


def a_valider(contrats):
    """{contract id: [(year, number of follow-ups awaiting the chef de projet)]}."""
    resultat = {}
    for rang in (
        Tenue.objects.filter(contrat__in=contrats, etat=Tenue.Etat.A_VALIDER)
        .values("contrat", "annee")
        .annotate(n=Count("pk"))
        .order_by("contrat", "annee")
    ):
        resultat.setdefault(rang["contrat"], []).append((rang["annee"], rang["n"]))
    return resultat
