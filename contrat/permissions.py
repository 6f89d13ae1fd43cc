"""The one place that answers "what may this user see, change, validate".

Every list, page, form and export goes through these functions (directly or
through the QuerySet methods `visible_to` / `editable_by` that call them), so an
object a user may not see is a 404 everywhere and one they may not change a 403.
"""

from django.db.models import Exists, Q


def _actif(user):
    return user is not None and user.is_authenticated and user.is_active


def membres(user):
    return user.membres.filter(actif=True)


def _agents(user):
    """(organisation id, contract id) of the user's agent roles in contracts."""
    return set(membres(user).filter(role="agent", contrat__isnull=False).values_list("partenaire_id", "contrat_id"))


def agents(user):
    """(organisation id, contract id) of the user's agent roles, in one query (none for an inactive user)."""
    return _agents(user) if _actif(user) else set()


def partenaires_agent(user, contrat=None):
    """Ids of the organisations whose rows the user enters — in `contrat` when given, else in any contract.
    A role holds in the contract it was given for (an invitation accepted, or the chef de projet taking the
    organisation's agent in): belonging to an organisation (a membership without a contract, the
    organisation's directory) opens no contract by itself."""
    if not _actif(user):
        return set()
    contrat_id = getattr(contrat, "pk", contrat)
    return {p for p, c in _agents(user) if contrat_id is None or c == contrat_id}


def filtre_agent(user, partenaire, contrat):
    """The Q of the rows the user enters as an agent: `partenaire` and `contrat` are the lookups from
    the queried model to the organisation and to the contract ("partenaire", "dispositif__contrat")."""
    q = Q(pk__in=[])
    if not _actif(user):
        return q
    for p, c in _agents(user):
        q |= Q(**{partenaire: p, contrat: c})
    return q


def contrats_pilotes(user):
    """Ids of the contracts the user leads as chef de projet."""
    if not _actif(user):
        return set()
    return set(membres(user).filter(role="chef_de_projet").values_list("contrat_id", flat=True))


def contrats_visibles(user, queryset):
    """The contracts the user holds a role in (agent, lecteur, chef de projet), and those of the territory of
    their State role (département, région, nation: read only, `_territoriaux`); every one for an administrator.
    A contract's chef de projet sees on its « Membres » page each of them, and revokes any."""
    if not _actif(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    acces = Q(pk__in=membres(user).filter(contrat__isnull=False).values("contrat_id"))
    # Known from the account's own query (`authentification.Comptes`) for nearly every request: without a role
    # across contracts, no territorial subquery (their compiling cost a list 20 ms). Not known: asked in SQL.
    if getattr(user, "roles_sur_plusieurs_contrats", True):
        acces |= _territoriaux(user)
    return queryset.filter(acces)


def _modele(nom):
    # Read from the registry: the models import this module (their `visible_to`), not the other way round.
    from django.apps import apps

    return apps.get_model("contrat", nom)


def _habilitations(user):
    return _modele("Habilitation").objects.actives().filter(user=user)


def _territoriaux(user):
    """The Q of the contracts a State role reads: those with a commune in its département or région, every one
    for the nation. Subqueries of the one query that lists the contracts, each read from the user's roles
    first (an index probe, empty for nearly everyone): no query of their own, and no scan of the communes."""
    roles = _habilitations(user)
    liens = _modele("Contrat").communes.through.objects
    par_departement = liens.filter(commune__departement__in=roles.filter(niveau="departement").values("code"))
    par_region = liens.filter(commune__region__in=roles.filter(niveau="region").values("code"))
    return (
        Q(pk__in=par_departement.values("contrat_id"))
        | Q(pk__in=par_region.values("contrat_id"))
        | Q(Exists(roles.filter(niveau="nation")))
    )


class Portee:
    """What a user reads across contracts (`/consolidation/`), from their roles over several contracts: every
    line of the contracts of a territory (a State service), and a network's own lines in every contract its
    organisation is partner of. An administrator reads everything. Read in one query."""

    def __init__(self, user):
        roles = (
            list(_habilitations(user).values_list("niveau", "code", "partenaire_id", "partenaire__nom"))
            if _actif(user)
            else []
        )
        self.tout = _actif(user) and (user.is_superuser or any(n == "nation" for n, *_ in roles))
        self.departements = {c for n, c, *_ in roles if n == "departement"}
        self.regions = {c for n, c, *_ in roles if n == "region"}
        self.reseaux = {p for n, _, p, _ in roles if n == "reseau"}
        self.noms_des_reseaux = sorted(nom for n, _, _, nom in roles if n == "reseau")

    @property
    def libelle(self):
        """What the user reads, in words: « Département 21 — Côte-d'Or », « Toute la France »…"""
        from . import territoires

        if self.tout:
            return "Toute la France"
        mots = [f"Région {c} — {territoires.nom_region(c)}" for c in sorted(self.regions)]
        mots += [f"Département {c} — {territoires.nom_departement(c)}" for c in sorted(self.departements)]
        mots += [f"Réseau : {nom}" for nom in self.noms_des_reseaux]
        return " ; ".join(mots)

    @property
    def vide(self):
        return not (self.tout or self.departements or self.regions or self.reseaux)

    def contrats_entiers(self, queryset):
        """The contracts whose every line the user reads (their territory's)."""
        if self.tout:
            return queryset
        communes = _modele("Contrat").communes.through.objects.filter(
            Q(commune__departement__in=self.departements) | Q(commune__region__in=self.regions)
        )
        return queryset.filter(pk__in=communes.values("contrat_id"))

    def contrats(self, queryset):
        """Those, and the contracts the user's networks take part in."""
        if self.tout or not self.reseaux:
            return self.contrats_entiers(queryset)
        entiers = self.contrats_entiers(queryset.model._default_manager.all())
        reseaux = contrats_de_l_organisation(self.reseaux, queryset.model._default_manager.all())
        return queryset.filter(Q(pk__in=entiers.values("pk")) | Q(pk__in=reseaux.values("pk")))

    def filtre(self, contrat="contrat", partenaire="partenaire"):
        """The Q of the rows (lines, contributions, commitments) the user reads: `contrat` and `partenaire` are the
        lookups from the queried model to the contract and to the organisation."""
        if self.tout:
            return Q()
        q = Q(**{f"{contrat}__in": self.contrats_entiers(_modele("Contrat").objects.all()).values("pk")})
        if self.reseaux:
            q |= Q(**{f"{partenaire}__in": self.reseaux})
        return q

    @property
    def reseau_seul(self):
        """A network's direction with no State role: it reads its own lines, never a whole contract."""
        return bool(self.reseaux) and not (self.tout or self.departements or self.regions)


def contrats_de_l_organisation(partenaires, queryset):
    """The contracts these organisations take part in: they sign, commit money, or act in a fiche. Where
    the organisation's own people may be taken in by the chef de projet (and where, before roles were held
    per contract, they were let in)."""
    tous = queryset.model._default_manager
    chemins = [
        "porteur__in",
        "partenaires__in",
        "documents__signataires__partenaire__in",
        "dispositifs__partenaire__in",
        "dispositifs__estimations__partenaire__in",
        "fiches__intervenants__partenaire__in",
        "fiches__engagements__partenaire__in",
    ]
    acces = Q(pk__in=[])
    for chemin in chemins:  # one subquery each: joined they multiplied a contract's lines by its signatories
        acces |= Q(pk__in=tous.filter(**{chemin: partenaires}).values("pk"))
    return queryset.filter(acces)


def peut_piloter(user, contrat):
    """Validates the partners' contributions, sees the dashboard of the contract."""
    return _actif(user) and (user.is_superuser or contrat.pk in contrats_pilotes(user))


def peut_saisir(user, partenaire, contrat):
    """Enters the rows of this partner in this contract (agent of it there, or administrator)."""
    return _actif(user) and (user.is_superuser or partenaire.pk in partenaires_agent(user, contrat))


# -- who is told --------------------------------------------------------------------


def _comptes(*conditions, **filtre):
    # One filter() call: every condition holds for the same membership.
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            *conditions, is_active=True, membres__actif=True, **{f"membres__{k}": v for k, v in filtre.items()}
        )
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


def agents_de(partenaire, contrat):
    """The accounts that enter this partner's rows in this contract: they receive its notices and reminders."""
    return _comptes(contrat=contrat, partenaire=partenaire, role="agent")


def chefs_de_projet(contrat):
    """The accounts that lead this contract: they receive the partners' submissions."""
    return _comptes(contrat=contrat, role="chef_de_projet")
