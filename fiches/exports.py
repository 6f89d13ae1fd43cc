"""The fiches as PDF (one fiche, or the recueil of a contract) and as workbooks."""

import io

from django.template.loader import render_to_string
from openpyxl import Workbook

from noyau.classeurs import BORDURE, cellule_texte, feuille_avec_entetes
from noyau.montants import euros
from noyau.pdf import html_en_pdf


def fiche_pdf(fiche, edition):
    return html_en_pdf(
        render_to_string("fiches/fiche_pdf.html", {"fiches": [fiche], "edition": edition, "recueil": False})
    )


def recueil_pdf(contrat, fiches, edition):
    """Cover, table of contents (page numbers resolved by WeasyPrint's target-counter), one fiche a page."""
    return html_en_pdf(
        render_to_string(
            "fiches/fiche_pdf.html",
            {
                "contrat": contrat,
                "fiches": fiches,
                "edition": edition,
                "recueil": True,
            },
        )
    )


# -- workbooks -----------------------------------------------------------------


def _lignes(texte):
    """Lists joined by line breaks, without the markup's dashes."""
    return "\n".join(ln.strip().removeprefix("- ") for ln in (texte or "").splitlines() if ln.strip())


COLONNES_FICHES = [
    ("Numéro", 14),
    ("Intitulé", 40),
    ("Type", 16),
    ("Pilier / section / axe", 28),
    ("Enjeu / orientation", 32),
    ("Statut", 12),
    ("Début", 8),
    ("Fin", 8),
    ("Constats", 50),
    ("Échelle d'intervention", 30),
    ("Objectif(s) général(aux)", 40),
    ("Objectifs opérationnels", 50),
    ("Description", 60),
    ("Public concerné", 30),
    ("Porteur(s)", 28),
    ("Partenaires financeurs", 30),
    ("Partenaires opérateurs", 30),
    ("Partenaires mobilisés", 30),
    ("Engagements des partenaires", 60),
    ("Dispositifs mobilisables", 60),
    ("Calendrier", 30),
    ("Résultats attendus", 50),
    ("Indicateurs", 50),
    ("Quartiers", 24),
]


def fiches_xlsx(contrat, fiches):
    classeur = Workbook()
    feuille = feuille_avec_entetes(classeur, "Fiches", COLONNES_FICHES)
    for ligne, fiche in enumerate(fiches, 2):
        par_role = {role: [] for role in ("porteur", "financeur", "operateur", "mobilise")}
        for intervenant in fiche.intervenants.all():
            par_role[intervenant.role].append(intervenant.nom)
        engagements = [
            (f"{e.nom} : " if e.nom else "")
            + _lignes(e.texte).replace("\n", " ; ")
            + (f" ({euros(e.montant)})" if e.montant is not None else "")
            for e in fiche.engagements.all()
        ]
        dispositifs = []
        for groupe, lignes, reserves in fiche.dispositifs_par_groupe():
            dispositifs += [(f"{groupe} : " if groupe else "") + d.texte for d in lignes] + [f"({r})" for r in reserves]
        valeurs = [
            fiche.numero,
            fiche.intitule,
            fiche.get_forme_display(),
            fiche.pilier.intitule if fiche.pilier_id else "",
            fiche.orientation.intitule if fiche.orientation_id else "",
            fiche.get_statut_display(),
            fiche.annee_debut,
            fiche.annee_fin,
            _lignes(fiche.constats),
            _lignes(fiche.echelle),
            _lignes(fiche.objectif_general),
            _lignes(fiche.objectifs_operationnels),
            _lignes(fiche.description),
            _lignes(fiche.public),
            "\n".join(par_role["porteur"]),
            "\n".join(par_role["financeur"]),
            "\n".join(par_role["operateur"]),
            "\n".join(par_role["mobilise"]),
            "\n".join(engagements),
            "\n".join(dispositifs),
            _lignes(fiche.calendrier),
            _lignes(fiche.resultats),
            "\n".join(i.libelle for i in fiche.indicateurs.all()),
            "\n".join(q.nom for q in fiche.quartiers.all()),
        ]
        for colonne, valeur in enumerate(valeurs, 1):
            cellule = feuille.cell(row=ligne, column=colonne)
            if isinstance(valeur, int):
                cellule.value, cellule.border = valeur, BORDURE
            else:
                cellule_texte(cellule, valeur)
    feuille.auto_filter.ref = feuille.dimensions
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def indicateurs_xlsx(contrat, indicateurs):
    annees = sorted({m.annee for i in indicateurs for m in i.mesures.all()})
    colonnes = [
        ("Fiche", 14),
        ("Intitulé de la fiche", 36),
        ("Résultat mesuré", 36),
        ("Indicateur", 50),
        ("Unité", 10),
        ("Référence", 12),
        ("Année de référence", 10),
        ("Cible", 12),
        ("Année de la cible", 10),
    ]
    colonnes += [(str(a), 12) for a in annees] + [(f"Commentaire {a}", 30) for a in annees]
    feuille = feuille_avec_entetes(Workbook(), "Indicateurs", colonnes)
    for ligne, indicateur in enumerate(indicateurs, 2):
        mesures = {m.annee: m for m in indicateur.mesures.all()}
        textes = [
            indicateur.fiche.numero,
            indicateur.fiche.intitule,
            indicateur.groupe,
            indicateur.libelle,
            indicateur.unite,
        ]
        for colonne, valeur in enumerate(textes, 1):
            cellule_texte(feuille.cell(row=ligne, column=colonne), valeur)
        nombres = [indicateur.valeur_reference, indicateur.annee_reference, indicateur.cible, indicateur.annee_cible]
        nombres += [mesures[a].valeur if a in mesures else None for a in annees]
        for colonne, valeur in enumerate(nombres, len(textes) + 1):
            cellule = feuille.cell(row=ligne, column=colonne, value=valeur)
            cellule.border = BORDURE
        for colonne, annee in enumerate(annees, len(textes) + len(nombres) + 1):
            cellule_texte(
                feuille.cell(row=ligne, column=colonne), mesures[annee].commentaire if annee in mesures else ""
            )
    feuille.auto_filter.ref = feuille.dimensions
    sortie = io.BytesIO()
    feuille.parent.save(sortie)
    return sortie.getvalue()
