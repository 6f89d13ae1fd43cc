"""An instance's rhythm: its expected slots, the next ones, the one missed, and the rhythm in words.

A slot is a window of dates in which one meeting is expected. "4 fois / an" gives
four three-month slots a year; "1 fois / an en octobre" one slot, October;
"mars/avril et novembre/décembre" two slots a year; "tous les 2 ans" one slot of
24 months counted from the first year. A meeting held in a slot fulfils it.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MOIS_PAR_PERIODE = {"mois": 1, "deux_mois": 2, "trimestre": 3, "semestre": 6, "annee": 12, "deux_ans": 24}
UNITES = {"mois": "mois", "trimestre": "trimestre", "semestre": "semestre", "annee": "an"}
NOMS_DES_MOIS = ["", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                 "octobre", "novembre", "décembre"]


@dataclass(frozen=True)
class Creneau:
    debut: date
    fin: date  # included

    def contient(self, jour):
        return self.debut <= jour <= self.fin


def _ajoute_mois(annee, mois, n):
    total = annee * 12 + (mois - 1) + n
    return total // 12, total % 12 + 1


def _fin_de_mois(annee, mois):
    return date(annee, mois, calendar.monthrange(annee, mois)[1])


def groupes_de_mois(texte):
    """'10' -> [[10]]; '3-4,11-12' -> [[3, 4], [11, 12]]. Raises ValueError on anything else."""
    groupes = []
    for morceau in (texte or "").replace(" ", "").split(","):
        if not morceau:
            continue
        bornes = [int(m) for m in morceau.split("-")]
        if len(bornes) > 2 or not all(1 <= m <= 12 for m in bornes) or bornes != sorted(bornes):
            raise ValueError(f"Mois invalides : {morceau}")
        groupes.append(list(range(bornes[0], bornes[-1] + 1)))
    return groupes


def creneaux(instance, annee_debut, annee_fin):
    """The expected slots from 1 January of `annee_debut` to 31 December of `annee_fin`."""
    if instance.selon_besoins or not instance.frequence or not instance.periode:
        return []
    resultat = []
    if instance.mois:
        groupes = groupes_de_mois(instance.mois)
        for annee in range(annee_debut, annee_fin + 1):
            for groupe in groupes:
                resultat.append(Creneau(date(annee, groupe[0], 1), _fin_de_mois(annee, groupe[-1])))
        return resultat
    longueur = MOIS_PAR_PERIODE[instance.periode]
    annee, mois = annee_debut, 1
    while annee <= annee_fin:
        debut_periode = date(annee, mois, 1)
        fin_annee, fin_mois = _ajoute_mois(annee, mois, longueur)
        fin_periode = date(fin_annee, fin_mois, 1) - timedelta(days=1)
        n = instance.frequence
        if longueur % n == 0:  # whole months: "4 fois / an" = quarters
            pas = longueur // n
            for i in range(n):
                a, m = _ajoute_mois(annee, mois, i * pas)
                fa, fm = _ajoute_mois(a, m, pas - 1)
                resultat.append(Creneau(date(a, m, 1), _fin_de_mois(fa, fm)))
        else:  # split the period in equal runs of days
            jours = (fin_periode - debut_periode).days + 1
            for i in range(n):
                resultat.append(Creneau(debut_periode + timedelta(days=jours * i // n),
                                        debut_periode + timedelta(days=jours * (i + 1) // n - 1)))
        annee, mois = fin_annee, fin_mois
    return resultat


def _remplis(liste, dates):
    """Each meeting fulfils the first open slot that contains it."""
    restants = sorted(dates)
    remplis = set()
    for creneau in liste:
        trouve = next((d for d in restants if creneau.contient(d)), None)
        if trouve is not None:
            remplis.add(creneau)
            restants.remove(trouve)
    return remplis


def prochaines(liste, dates, jour, nombre=2):
    """The next slots still to be held: not over, not yet fulfilled."""
    remplis = _remplis(liste, dates)
    return [c for c in liste if c.fin >= jour and c not in remplis][:nombre]


def manque(liste, dates, jour):
    """The last slot that ended before `jour` without a meeting, or None."""
    passes = [c for c in liste if c.fin < jour]
    if not passes:
        return None
    dernier = passes[-1]
    return None if dernier in _remplis(liste, dates) else dernier


def en_mots(instance):
    """'1 fois / an en octobre', 'tous les 2 mois', '1 à 2 fois / an', '½ journée, 1 fois / mois'."""
    if instance.selon_besoins:
        texte = "selon les besoins"
    elif not instance.frequence or not instance.periode:
        # As the source says it, without its own « Réunion : » (the pages print that word before it).
        return re.sub(r"^\s*réunions?\s*:\s*", "", instance.rythme_source, flags=re.IGNORECASE)
    elif instance.frequence == 1 and instance.periode in ("deux_mois", "deux_ans") and not instance.frequence_max:
        texte = f"tous les 2 {'mois' if instance.periode == 'deux_mois' else 'ans'}"
    else:
        nombre = str(instance.frequence)
        if instance.frequence_max and instance.frequence_max != instance.frequence:
            nombre += f" à {instance.frequence_max}"
        unite = UNITES.get(instance.periode) or {"deux_mois": "2 mois", "deux_ans": "2 ans"}[instance.periode]
        texte = f"{nombre} fois / {unite}"
    if instance.mois:
        groupes = groupes_de_mois(instance.mois)
        texte += " en " + " et ".join("/".join(NOMS_DES_MOIS[m] for m in g) for g in groupes)
    if instance.duree:
        texte = f"{instance.duree}, {texte}"
    return texte


def periode_de(instance):
    """The years the instance is expected to meet: those of its document, or else of its contract."""
    document, contrat = instance.document, instance.contrat
    if document and document.annee_debut and document.annee_fin:
        return document.annee_debut, document.annee_fin
    return contrat.annee_debut, contrat.annee_fin_effective


@dataclass
class Suivi:
    instance: object
    prochaines: list
    manque: Creneau | None


def suivi(instances, jour):
    """For each instance: its next expected slots and the last one missed, as of `jour`."""
    resultat = []
    for instance in instances:
        debut, fin = periode_de(instance)
        liste = creneaux(instance, debut, fin)
        dates = [s.date for s in instance.seances.all()]
        resultat.append(Suivi(instance, prochaines(liste, dates, jour), manque(liste, dates, jour)))
    return resultat
