"""The history engine: snapshots, entries, the reading of a change, and states at a date.

A model takes part by declaring `suivi = Suivi(...)`: its nature (the word stored in the
entries), the fields it tracks, where its contract and its page are. The engine finds the
models through the app registry and names none of them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from operator import attrgetter

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from noyau.montants import euros

from .models import Historique


@dataclass(frozen=True)
class Suivi:
    """What a versioned model declares once, and every route uses."""

    nature: str
    champs: tuple  # attnames written by the service and kept in the snapshot ("partenaire_id", "intitule"…)
    contrat: str  # path from the object to its contract's id: "dispositif.contrat_id"
    dossier: tuple = ()  # (nature, path to its pk): the page that shows the entry; default: the object's own
    m2m: tuple = ()  # many-to-many fields kept in the snapshot
    listes: object = None  # callable(objet) -> {name: [text]}: what the object holds, as its page lists it
    en_euros: tuple = ()  # fields shown as amounts
    libelles: dict = field(default_factory=dict)  # labels of the lists and of what is not a field

    def contrat_de(self, objet):
        return attrgetter(self.contrat)(objet)

    def dossier_de(self, objet):
        nature, chemin = self.dossier or (self.nature, "pk")
        return f"{nature}:{attrgetter(chemin)(objet)}"


@cache
def _modeles():
    return {m.suivi.nature: m for m in apps.get_models() if isinstance(getattr(m, "suivi", None), Suivi)}


def suivi(objet):
    return type(objet).suivi


def libelle_nature(nature):
    m = _modeles().get(nature)
    return str(m._meta.verbose_name).capitalize() if m else nature


def _valeur(valeur):
    if isinstance(valeur, FieldFile):
        return valeur.name or ""
    if isinstance(valeur, (date, time)):
        return valeur.isoformat()
    # Amounts in cents as stored, whether read back from the database or just typed: no float.
    if isinstance(valeur, Decimal):
        try:
            return str(valeur.quantize(Decimal("0.01")))
        except InvalidOperation:
            return str(valeur)
    return valeur


def instantane(objet, m2m=None):
    """Every tracked field of the object as JSON. `m2m`: {name: [pk]} when just written (no query)."""
    s = suivi(objet)
    donnees = {c: _valeur(getattr(objet, c)) for c in s.champs}
    if hasattr(objet, "version"):
        donnees["version"] = objet.version
    for nom in s.m2m:
        if m2m is not None and nom in m2m:
            donnees[nom] = sorted(getattr(o, "pk", o) for o in m2m[nom])
        elif objet.pk is None:
            donnees[nom] = []
        else:
            donnees[nom] = sorted(getattr(objet, nom).values_list("pk", flat=True))
    if s.listes is not None and objet.pk is not None:
        donnees.update(s.listes(objet))
    return donnees


def entree(
    user,
    objet,
    action,
    avant=None,
    *,
    source=Historique.Source.FORMULAIRE,
    detail="",
    commentaire="",
    m2m=None,
    apres=None,
):
    """The unsaved entry of one action; `avant` is the snapshot taken before a change or a deletion."""
    s = suivi(objet)
    connu = user is not None and user.is_authenticated
    if apres is None and action != Historique.Action.SUPPRESSION:
        apres = instantane(objet, m2m)
    return Historique(
        objet=s.nature,
        objet_id=objet.pk,
        contrat_id=s.contrat_de(objet),
        dossier=s.dossier_de(objet),
        action=action,
        source=source,
        detail=detail[:255],
        commentaire=commentaire,
        user=user if connu else None,
        user_nom=(user.get_full_name() or user.username) if connu else "système",
        date=timezone.now(),
        avant=avant,
        apres=apres,
    )


def derniere(objet):
    return Historique.objects.filter(objet=suivi(objet).nature, objet_id=objet.pk).order_by("-date", "-pk").first()


def etat_a_la_version(modele_, pk, version):
    """The snapshot of an object as it was at `version`, from its history; None if not recorded."""
    entrees = Historique.objects.filter(objet=modele_.suivi.nature, objet_id=pk)
    apres = entrees.filter(apres__version=version).order_by("date", "pk").values_list("apres", flat=True).first()
    if apres is not None:
        return apres
    # Loaded before any history: the first change kept the state it started from.
    return entrees.filter(avant__version=version).order_by("date", "pk").values_list("avant", flat=True).first()


def memes_champs(etat, autre):
    """Whether two snapshots agree on everything but the version."""
    return all(etat.get(nom) == autre.get(nom) for nom in set(etat) | set(autre) if nom != "version")


# -- reading an entry ---------------------------------------------------------------


def _champ(modele_, nom):
    try:
        return modele_._meta.get_field(nom.removesuffix("_id") if nom.endswith("_id") else nom)
    except FieldDoesNotExist:
        return None


def _nom_court(objet):
    return getattr(objet, "nom_court", None) or str(objet)


def _affiche(modele_, s, nom, valeur):
    if valeur is None or valeur == "" or valeur == []:
        return "—"
    if nom in s.en_euros:
        return euros(Decimal(valeur))
    champ = _champ(modele_, nom) if nom.endswith("_id") or nom in s.m2m or nom in s.champs else None
    if champ is not None and champ.is_relation:
        cible = champ.related_model
        pks = valeur if isinstance(valeur, list) else [valeur]
        noms = {o.pk: _nom_court(o) for o in cible._default_manager.filter(pk__in=pks)}
        return ", ".join(noms.get(pk, f"n°{pk}") for pk in pks)
    if champ is not None and champ.choices:
        return str(dict(champ.flatchoices).get(valeur, valeur))
    if champ is not None and champ.get_internal_type() == "DateField" and isinstance(valeur, str):
        return date.fromisoformat(valeur).strftime("%d/%m/%Y")
    if champ is not None and champ.get_internal_type() == "DateTimeField" and isinstance(valeur, str):
        # « 06/12/2026 à 22:41 », in the site's time zone: never an ISO timestamp on a page.
        moment = timezone.localtime(datetime.fromisoformat(valeur))
        return moment.strftime("%d/%m/%Y à %H:%M")
    if isinstance(valeur, list):
        return " ; ".join(str(v) for v in valeur)
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur)


def _libelle(modele_, s, nom):
    if nom in s.libelles:
        return s.libelles[nom]
    champ = _champ(modele_, nom) if nom.endswith("_id") or nom in s.m2m or nom in s.champs else None
    return str(champ.verbose_name) if champ is not None else nom


def changements(entree_):
    """[(field label, before, after)] for the fields that differ."""
    modele_ = _modeles().get(entree_.objet)
    if modele_ is None:
        return []
    s = modele_.suivi
    avant, apres = entree_.avant or {}, entree_.apres or {}
    lignes = []
    for nom in dict.fromkeys([*avant, *apres]):
        if nom == "version" or avant.get(nom) == apres.get(nom) or not (avant.get(nom) or apres.get(nom)):
            continue
        lignes.append(
            (
                _libelle(modele_, s, nom),
                _affiche(modele_, s, nom, avant.get(nom)),
                _affiche(modele_, s, nom, apres.get(nom)),
            )
        )
    return lignes


# -- states at a date -----------------------------------------------------------------


def fin_du_jour(jour):
    """The first moment after `jour`; the last day a calendar holds has none, so it is the present."""
    try:
        return timezone.make_aware(datetime.combine(jour + timedelta(days=1), time.min))
    except OverflowError:
        return None


def etats_au(modele_, actuels, contrat_id, jour):
    """{pk: snapshot} of the objects of one model as they stood at the end of `jour`.

    The first recorded action after that moment holds the state before it; an object with
    no action since is as it is now (`actuels`: {pk: object}). Data loaded before any
    history is thus taken as it was loaded; an object created since is left out.
    """
    resultat = {pk: instantane(o) for pk, o in actuels.items()}
    limite = fin_du_jour(jour)
    if limite is None:
        return resultat
    vus = set()
    entrees = Historique.objects.filter(contrat_id=contrat_id, objet=modele_.suivi.nature, date__gte=limite)
    for objet_id, avant in entrees.order_by("date", "pk").values_list("objet_id", "avant"):
        if objet_id not in vus:
            vus.add(objet_id)
            resultat[objet_id] = avant  # None: created after the date
    return {pk: e for pk, e in resultat.items() if e is not None}


def objet_au(modele_, pk, etat):
    """An unsaved instance holding a past state (its many-to-many ids as `<name>_ids`)."""
    champs = {}
    for nom, valeur in etat.items():
        if nom in modele_.suivi.m2m:
            continue
        champ = _champ(modele_, nom)
        if champ is None or champ.is_relation and not nom.endswith("_id"):
            continue
        if valeur is not None and champ.get_internal_type() == "DecimalField":
            valeur = Decimal(valeur)
        champs[nom] = valeur
    objet = modele_(pk=pk, **champs)
    for nom in modele_.suivi.m2m:
        setattr(objet, f"{nom}_ids", etat.get(nom, []))
    return objet


def journal(nature, pk, nombre=None):
    """What a page shows of its history, newest first: [(entry, [(label, before, after)])]."""
    entrees = Historique.objects.du_dossier(nature, pk)
    if nombre is not None:
        entrees = entrees[:nombre]
    return [(e, changements(e)) for e in entrees]
