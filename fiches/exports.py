"""The fiches as PDF (one fiche, or the recueil of a contract) and as workbooks."""

from django.template.loader import render_to_string

from noyau.classeurs import Colonne, classeur_plat
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
    Colonne(*c)
    for c in [
        ("Numéro", 14),
        ("Intitulé", 40),
        ("Type", 16),
        ("Pilier / section / axe", 28),
        ("Enjeu / orientation", 32),
        ("Statut", 12),
        ("Début", 8, "nombre"),
        ("Fin", 8, "nombre"),
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
]


def fiches_xlsx(contrat, fiches):
    return classeur_plat(("Fiches", COLONNES_FICHES, (_ligne_de_fiche(fiche) for fiche in fiches)))


def _ligne_de_fiche(fiche):
    """A fiche on one line: each list of its parts in one cell, one item a line."""
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
    return valeurs


def indicateurs_xlsx(contrat, indicateurs):
    annees = sorted({m.annee for i in indicateurs for m in i.mesures.all()})
    colonnes = [
        Colonne("Fiche", 14),
        Colonne("Intitulé de la fiche", 36),
        Colonne("Résultat mesuré", 36),
        Colonne("Indicateur", 50),
        Colonne("Unité", 10),
        Colonne("Référence", 12, "nombre"),
        Colonne("Année de référence", 10, "nombre"),
        Colonne("Cible", 12, "nombre"),
        Colonne("Année de la cible", 10, "nombre"),
    ]
    colonnes += [Colonne(str(a), 12, "nombre") for a in annees] + [Colonne(f"Commentaire {a}", 30) for a in annees]

    def ligne(indicateur):
        mesures = {m.annee: m for m in indicateur.mesures.all()}
        return [
            indicateur.fiche.numero,
            indicateur.fiche.intitule,
            indicateur.groupe,
            indicateur.libelle,
            indicateur.unite,
            indicateur.valeur_reference,
            indicateur.annee_reference,
            indicateur.cible,
            indicateur.annee_cible,
            *(mesures[a].valeur if a in mesures else None for a in annees),
            *(mesures[a].commentaire if a in mesures else "" for a in annees),
        ]

    return classeur_plat(("Indicateurs", colonnes, (ligne(i) for i in indicateurs)))
