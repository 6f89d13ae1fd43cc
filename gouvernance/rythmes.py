"""An instance's rhythm: its expected slots, the next ones, the one missed, and the rhythm in words.

A slot is a window of dates in which a number of meetings is expected. "4 fois / an"
gives one slot a calendar year expecting four, whenever they are held in it (not one a
quarter); "1 fois / an en octobre" one slot, October; "mars/avril et novembre/décembre"
two slots a year of one each; "tous les 2 ans" one slot of 24 months counted from the
first year. "Au moins N" expects N: more is welcome, fewer is late.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date

MOIS_PAR_PERIODE = {"mois": 1, "deux_mois": 2, "trimestre": 3, "semestre": 6, "annee": 12, "deux_ans": 24}
UNITES = {"mois": "mois", "trimestre": "trimestre", "semestre": "semestre", "annee": "an"}
NOMS_DES_MOIS = [
    "",
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


@dataclass(frozen=True)
class Creneau:
    debut: date
    fin: date  # included
    nombre: int = 1  # meetings expected in it

    def contient(self, jour):
        return self.debut <= jour <= self.fin


def _ajoute_mois(annee, mois, n):
    total = annee * 12 + (mois - 1) + n
    return total // 12, total % 12 + 1


def _fin_de_mois(annee, mois):
    return date(annee, mois, calendar.monthrange(annee, mois)[1])


def groupes_de_mois(texte):
    """'10' -> [[10]]; '3-4,11-12' -> [[3, 4], [11, 12]]; '11-2' -> [[11, 12, 1, 2]] (across New Year).

    Raises ValueError on anything else."""
    groupes = []
    for morceau in (texte or "").replace(" ", "").split(","):
        if not morceau:
            continue
        bornes = morceau.split("-")
        if len(bornes) > 2 or not all(b.isdigit() for b in bornes):
            raise ValueError(f"Mois invalides : {morceau}")
        premier, dernier = int(bornes[0]), int(bornes[-1])
        if not (1 <= premier <= 12 and 1 <= dernier <= 12):
            raise ValueError(f"Mois invalides : {morceau}")
        longueur = (dernier - premier) % 12 + 1
        groupes.append([(premier - 1 + i) % 12 + 1 for i in range(longueur)])
    return groupes


def creneaux(instance, annee_debut, annee_fin):
    """The expected slots from 1 January of `annee_debut` to 31 December of `annee_fin`.

    Without preferred months, « N fois par an » expects N meetings in the calendar year, « N fois par
    trimestre » N in each calendar quarter…: whenever they are held in it. With preferred months, each
    run of months expects one meeting; a run across New Year (« 11-2 ») belongs to the year it starts in."""
    if instance.selon_besoins or not instance.frequence or not instance.periode:
        return []
    resultat = []
    fin_du_tout = date(annee_fin, 12, 31)
    groupes = groupes_de_mois(instance.mois) if instance.mois else []
    # Months known for some meetings only (« a minima 3 fois par an : mars, juin, … »): the year's count is
    # what is expected, the months are said, not judged.
    if groupes and (not instance.frequence or len(groupes) == instance.frequence):
        for annee in range(annee_debut, annee_fin + 1):
            for groupe in groupes:
                annee_fin_groupe = annee + (1 if groupe[-1] < groupe[0] else 0)
                resultat.append(
                    Creneau(date(annee, groupe[0], 1), min(_fin_de_mois(annee_fin_groupe, groupe[-1]), fin_du_tout))
                )
        return sorted(resultat, key=lambda c: c.debut)
    longueur = MOIS_PAR_PERIODE[instance.periode]
    annee, mois = annee_debut, 1
    while annee <= annee_fin:
        fin_annee, fin_mois = _ajoute_mois(annee, mois, longueur - 1)
        resultat.append(
            Creneau(date(annee, mois, 1), min(_fin_de_mois(fin_annee, fin_mois), fin_du_tout), instance.frequence)
        )
        annee, mois = _ajoute_mois(annee, mois, longueur)
    return resultat


def tenues(creneau, dates):
    return sum(1 for d in dates if creneau.contient(d))


def _mois_restants(creneau, jour):
    """Whole months left in a running slot, the current one included."""
    return (creneau.fin.year - jour.year) * 12 + creneau.fin.month - jour.month + 1


def perdu(creneau, dates, jour):
    """A slot is missed once it has ended short of its meetings, or when the months it has left cannot
    hold the meetings it still lacks (at the pace its own number sets: 2 a month for « 24 fois par an »)."""
    manquantes = creneau.nombre - tenues(creneau, dates)
    if manquantes <= 0 or creneau.debut > jour:
        return False
    if creneau.fin < jour:
        return True
    duree = _mois_restants(creneau, creneau.debut)
    par_mois = -(-creneau.nombre // duree)
    return manquantes > _mois_restants(creneau, jour) * par_mois


def prochaines(liste, dates, jour, nombre=2):
    """The next slots still to be held: not over, not yet fulfilled."""
    return [c for c in liste if c.fin >= jour and tenues(c, dates) < c.nombre][:nombre]


def manques(liste, dates, jour):
    """Every slot missed as of `jour` (see `perdu`), in order."""
    return [c for c in liste if perdu(c, dates, jour)]


def manque(liste, dates, jour):
    """The slot that makes the body late on `jour`: the latest one judged (ended, or past holding what
    it lacks) when it was missed; an earlier miss made up since is history, not lateness. Or None."""
    en_cours = [c for c in liste if c.contient(jour)]
    if en_cours and tenues(en_cours[-1], dates) >= en_cours[-1].nombre:
        return None  # this period's meetings are held: the body is on its rhythm again
    juges = [c for c in liste if c.debut <= jour and (c.fin < jour or perdu(c, dates, jour))]
    return juges[-1] if juges and perdu(juges[-1], dates, jour) else None


def _mois_en_mots(groupes):
    """'en octobre', 'en mars/avril et novembre/décembre', 'entre novembre et février'."""
    if all(len(g) <= 2 for g in groupes):
        return "en " + " et ".join("/".join(NOMS_DES_MOIS[m] for m in g) for g in groupes)
    return " et ".join(
        f"entre {NOMS_DES_MOIS[g[0]]} et {NOMS_DES_MOIS[g[-1]]}"
        if len(g) > 2
        else "en " + "/".join(NOMS_DES_MOIS[m] for m in g)
        for g in groupes
    )


def sans_reunion(texte):
    """The source's wording without its own « Réunion : » (the pages print that word before it)."""
    return re.sub(r"^\s*réunions?\s*:\s*", "", texte, flags=re.IGNORECASE)


def en_mots(instance):
    """'1 fois / an en octobre', 'tous les 2 mois', '1 à 2 fois / an', '½ journée, 1 fois / mois'."""
    if instance.selon_besoins:
        texte = "selon les besoins"
    elif not instance.frequence or not instance.periode:
        return sans_reunion(instance.rythme_source)
    elif instance.frequence == 1 and instance.periode in ("deux_mois", "deux_ans") and not instance.frequence_max:
        texte = f"tous les 2 {'mois' if instance.periode == 'deux_mois' else 'ans'}"
    else:
        nombre = str(instance.frequence)
        if instance.frequence_max and instance.frequence_max != instance.frequence:
            nombre += f" à {instance.frequence_max}"
        elif instance.au_moins:
            nombre = f"au moins {nombre}"
        unite = UNITES.get(instance.periode) or {"deux_mois": "2 mois", "deux_ans": "2 ans"}[instance.periode]
        texte = f"{nombre} fois / {unite}"
    if instance.mois:
        groupes = groupes_de_mois(instance.mois)
        partiels = instance.frequence and len(groupes) < instance.frequence
        texte += (" dont " if partiels else " ") + _mois_en_mots(groupes)
    if instance.duree:
        texte = f"{instance.duree}, {texte}"
    return texte


def periode_de(instance):
    """The years the instance is expected to meet: those of its document, or else of its contract."""
    document, contrat = instance.document, instance.contrat
    if document and document.annee_debut and document.annee_fin:
        return document.annee_debut, document.annee_fin
    return contrat.annee_debut, contrat.annee_fin_effective


def acheve(contrat, jour):
    """Whether the contract (prolongation included) has ended by `jour`."""
    return jour > date(contrat.annee_fin_effective, 12, 31)


@dataclass
class Suivi:
    instance: object
    prochaines: list
    manques: list  # every slot missed so far
    dates: list
    jour: date
    creneaux: list

    @property
    def manque(self):
        return manque(self.creneaux, self.dates, self.jour)

    @property
    def bilan(self):
        """[(missed slot, meetings held in it)]."""
        return [(c, tenues(c, self.dates)) for c in self.manques]

    @property
    def retard(self):
        """(the slot that makes the body late, meetings held in it)."""
        return (self.manque, tenues(self.manque, self.dates))


def suivi(instances, jour):
    """For each instance still in use: its next expected slots and those missed, as of `jour`."""
    resultat = []
    for instance in instances:
        if instance.archivee:
            continue
        debut, fin = periode_de(instance)
        liste = creneaux(instance, debut, fin)
        dates = [s.date for s in instance.seances.all()]
        resultat.append(
            Suivi(instance, prochaines(liste, dates, jour), manques(liste, dates, jour), dates, jour, liste)
        )
    return resultat
