"""History of dispositifs and estimates, and the annexe as it stood on a date."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from contrat.models import Objectif, Partenaire

from .formats import euros
from .models import Dispositif, Estimation, Historique

CHAMPS = {
    Historique.Objet.DISPOSITIF: ["contrat_id", "code", "partenaire_id", "intitule", "unite_compte", "remarque",
                                  "statut", "structures", "ordre", "archive", "version"],
    Historique.Objet.ESTIMATION: ["dispositif_id", "partenaire_id", "annee", "montant_annuel", "remarque_annuelle",
                                  "periode_debut", "periode_fin", "montant_pluriannuel", "remarque_pluriannuelle",
                                  "version"],
}
# Fiches share this history: the same who / when / before / after.
CHAMPS.update({
    Historique.Objet.FICHE: ["contrat_id", "numero", "intitule", "pilier_id", "orientation_id", "constats", "echelle",
                             "objectif_general", "objectifs_operationnels", "description", "public", "annee_debut",
                             "annee_fin", "calendrier", "resultats", "statut", "version"],
    Historique.Objet.ENGAGEMENT: ["fiche_id", "partenaire_id", "libelle", "texte", "montant", "version"],
    Historique.Objet.MESURE: ["indicateur_id", "annee", "valeur", "commentaire", "version"],
})
MONTANTS = {"montant_annuel", "montant_pluriannuel"}  # of an estimate
EN_EUROS = MONTANTS | {"montant"}  # shown as euros in the history


def _modeles():
    from fiches.models import Engagement, Fiche, Mesure

    return {
        Historique.Objet.DISPOSITIF: Dispositif, Historique.Objet.ESTIMATION: Estimation,
        Historique.Objet.FICHE: Fiche, Historique.Objet.ENGAGEMENT: Engagement, Historique.Objet.MESURE: Mesure,
    }


def nature(objet):
    return next(n for n, modele in _modeles().items() if isinstance(objet, modele))


def instantane(objet, objectifs=None):
    """Every field of the object as JSON (amounts as strings: no float on the way).

    `objectifs`: the ids of a dispositif just created in bulk, so no query is needed.
    """
    donnees = {}
    for champ in CHAMPS[nature(objet)]:
        valeur = getattr(objet, champ)
        # Amounts in cents as stored, whether read back from the database or just typed.
        donnees[champ] = str(valeur.quantize(Decimal("0.01"))) if isinstance(valeur, Decimal) else valeur
    if objectifs is not None:
        donnees["objectifs"] = sorted(objectifs)
        donnees["quartiers"] = []
    elif isinstance(objet, Dispositif) or nature(objet) == Historique.Objet.FICHE:
        donnees["objectifs"] = sorted(objet.objectifs.values_list("pk", flat=True))
        donnees["quartiers"] = sorted(objet.quartiers.values_list("pk", flat=True))
    if nature(objet) == Historique.Objet.FICHE:
        # The fiche's own lists, read as the page shows them.
        donnees["partenaires"] = [f"{i.get_role_display()} : {i.nom}" for i in objet.intervenants.order_by("ordre", "pk")]
        donnees["indicateurs"] = [i.libelle for i in objet.indicateurs.order_by("ordre", "pk")]
    return donnees


def _cles(objet):
    """(contract, dispositif, fiche) an entry is filed under."""
    objet_nature = nature(objet)
    if objet_nature == Historique.Objet.DISPOSITIF:
        return objet.contrat_id, objet.pk, None
    if objet_nature == Historique.Objet.ESTIMATION:
        return objet.dispositif.contrat_id, objet.dispositif_id, None
    if objet_nature == Historique.Objet.FICHE:
        return objet.contrat_id, None, objet.pk
    fiche = objet.fiche if objet_nature == Historique.Objet.ENGAGEMENT else objet.indicateur.fiche
    return fiche.contrat_id, None, fiche.pk


def enregistrer(user, objet, action, avant=None):
    """Records one action; `avant` is the snapshot taken before a change or a deletion."""
    entree = _entree(user, objet, action, avant, None)
    entree.save()
    return entree


def entree_de_creation(user, objet, objectifs=None):
    """The unsaved entry of a creation, for writing many at once (imports)."""
    return _entree(user, objet, Historique.Action.CREATION, None, objectifs)


def _entree(user, objet, action, avant, objectifs):
    contrat_id, dispositif_id, fiche_id = _cles(objet)
    return Historique(
        objet=nature(objet),
        objet_id=objet.pk,
        contrat_id=contrat_id,
        dispositif_id=dispositif_id,
        fiche_id=fiche_id,
        action=action,
        user=user if user and user.is_authenticated else None,
        user_nom=(user.get_full_name() or user.username) if user and user.is_authenticated else "système",
        date=timezone.now(),
        avant=avant,
        apres=None if action == Historique.Action.SUPPRESSION else instantane(objet, objectifs),
    )


def _libelle(modele, champ):
    if champ == "objectifs":
        return "objectifs opérationnels"
    if champ == "quartiers":
        return "quartiers ciblés"
    if champ in ("partenaires", "indicateurs"):
        return champ
    return modele._meta.get_field(champ.removesuffix("_id")).verbose_name


def _choix(modele, champ):
    """A choice field's labels ("en_cours" reads "En cours"); {} for other fields."""
    try:
        return dict(getattr(modele._meta.get_field(champ), "choices", None) or [])
    except FieldDoesNotExist:  # lists kept in the snapshot (objectifs, partenaires…) are not fields
        return {}


def _affiche(champ, valeur):
    if valeur is None or valeur == "" or valeur == []:
        return "—"
    if champ in EN_EUROS:
        return euros(Decimal(valeur))
    if champ == "partenaire_id":
        partenaire = Partenaire.objects.filter(pk=valeur).first()
        return partenaire.sigle if partenaire else f"n°{valeur}"
    if champ == "objectifs":
        return ", ".join(o.libelle for o in Objectif.objects.filter(pk__in=valeur))
    if champ in ("partenaires", "indicateurs"):
        return " ; ".join(valeur)
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur)


def changements(entree):
    modele = _modeles()[entree.objet]
    avant, apres = entree.avant or {}, entree.apres or {}
    lignes = []
    for champ in [*CHAMPS[entree.objet], "objectifs", "quartiers", "partenaires", "indicateurs"]:
        if champ == "version" or (champ not in avant and champ not in apres):
            continue
        if avant.get(champ) != apres.get(champ):
            libelles = _choix(modele, champ)
            avant_, apres_ = avant.get(champ), apres.get(champ)
            if libelles:
                avant_, apres_ = libelles.get(avant_, avant_), libelles.get(apres_, apres_)
            lignes.append((_libelle(modele, champ), _affiche(champ, avant_), _affiche(champ, apres_)))
    return lignes


def fin_du_jour(jour):
    return timezone.make_aware(datetime.combine(jour + timedelta(days=1), time.min))


def estimations_au(contrat, jour, annee, partenaire=None):
    """The estimates of the annexe as they stood at the end of `jour`, as unsaved instances.

    The first recorded action after that moment holds the state before it; an object
    with no action since is as it is now. Data loaded before any history is thus
    taken as it was loaded.
    """
    limite = fin_du_jour(jour)
    premiers = {}
    for entree in Historique.objects.filter(contrat_id=contrat.pk, date__gte=limite).order_by("date", "pk"):
        premiers.setdefault((entree.objet, entree.objet_id), entree)

    def etats(objet, actuels):
        resultat = {pk: instantane(o) for pk, o in actuels.items()}
        for (nature_, pk), entree in premiers.items():
            if nature_ == objet:
                resultat[pk] = entree.avant  # None: created after the date
        return {pk: e for pk, e in resultat.items() if e is not None}

    dispositifs_actuels = {d.pk: d for d in Dispositif.objects.filter(contrat=contrat).prefetch_related("objectifs", "quartiers")}
    etats_dispositifs = etats(Historique.Objet.DISPOSITIF, dispositifs_actuels)
    estimations_actuelles = {e.pk: e for e in Estimation.objects.filter(dispositif__contrat=contrat)}
    etats_estimations = etats(Historique.Objet.ESTIMATION, estimations_actuelles)

    partenaires = {p.pk: p for p in Partenaire.objects.all()}
    dispositifs = {}
    for pk, etat in etats_dispositifs.items():
        if etat.get("archive"):
            continue
        champs = {k: v for k, v in etat.items() if k not in ("objectifs", "quartiers")}
        dispositif = Dispositif(pk=pk, **champs)
        dispositif.partenaire = partenaires[dispositif.partenaire_id]
        dispositif.contrat = contrat
        dispositif.objectifs_ids = etat.get("objectifs", [])
        dispositifs[pk] = dispositif

    resultat = []
    for pk, etat in etats_estimations.items():
        if etat["annee"] != annee or etat["dispositif_id"] not in dispositifs:
            continue
        if partenaire is not None and etat["partenaire_id"] != partenaire.pk:
            continue
        champs = dict(etat)
        for montant in MONTANTS:
            champs[montant] = None if champs[montant] is None else Decimal(champs[montant])
        estimation = Estimation(pk=pk, **champs)
        estimation.dispositif = dispositifs[estimation.dispositif_id]
        estimation.partenaire = partenaires[estimation.partenaire_id]
        resultat.append(estimation)
    resultat.sort(key=lambda e: (e.dispositif.ordre, e.dispositif.pk, e.partenaire.nom))
    return resultat
