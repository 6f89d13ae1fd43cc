"""`/consolidation/`: the contracts a State service or a partner network reads, and what is committed and done
in them — a page, each table as .xlsx and .json, and the regional review as a PDF. Read only: these views
write nothing, and a user with no role across contracts gets a 403."""

import json

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from contrat import permissions, territoires
from contrat.models import Partenaire
from contrat.permissions import Portee
from engagements import collectes
from engagements.models import Collecte, Contribution
from noyau import telechargements
from noyau.classeurs import Colonne, classeur_plat
from noyau.pagination import page as paginer
from noyau.pdf import html_en_pdf

from .calculs import Chiffres, Consolidation
from .forms import FiltresForm

PAR_PAGE = 20


def _consolidation(request):
    """The user's `Portee` and the filters of the query string: 403 without a role across contracts, 400
    (the form and its French messages) on a filter that does not hold."""
    portee = Portee(request.user)
    if portee.vide:
        raise PermissionDenied(
            "La consolidation est ouverte aux services de l'État (département, région, ANCT) et aux réseaux des "
            "partenaires : demandez ce rôle à un administrateur."
        )
    jour = timezone.localdate()
    form = FiltresForm(request.GET, portee=portee, jour=jour)  # every filter is optional: none is valid
    if not form.is_valid():
        return None, form
    return Consolidation(portee, form.filtres(), jour), form


def _reseau(request, portee, jour):
    """A network's open campaigns across contracts, 20 a page (`?collectes=`), each with where its organisation
    stands and the grid one click away where the user enters its figures; counted in one aggregate."""
    if not portee.reseaux:
        return None
    attendues = Collecte.partenaires.through.objects.filter(partenaire__in=portee.reseaux).values("collecte")
    transmises = Contribution.objects.filter(
        contrat=OuterRef("contrat"),
        annee=OuterRef("annee"),
        nature=OuterRef("nature"),
        partenaire__in=portee.reseaux,
        statut__in=[Contribution.Statut.SOUMIS, Contribution.Statut.VALIDE],
    )
    ouvertes = (
        Collecte.objects.ouvertes()
        .filter(pk__in=attendues)
        .select_related("contrat")
        .prefetch_related("partenaires")
        .order_by("echeance", "contrat__nom", "pk")
    )
    nombres = ouvertes.aggregate(
        total=Count("pk"),
        en_retard=Count("pk", filter=Q(echeance__lt=jour)),
        a_completer=Count("pk", filter=~Q(Exists(transmises))),
    )
    page = paginer(request, ouvertes, PAR_PAGE, nom="collectes", compte=nombres["total"])
    suivis = collectes.suivi_des_collectes(page.object_list, Partenaire.objects.filter(pk__in=portee.reseaux))
    roles = permissions.agents(request.user)
    rangs = [
        {
            "collecte": c,
            "position": p,
            "en_retard": c.echeance < jour,
            "saisit": (p.partenaire.pk, c.contrat_id) in roles,
        }
        for c in page.object_list
        for p in suivis[c.pk]
        if p.attendu
    ]
    return {"page": page, "rangs": rangs, **nombres}


def _nature(code):
    return Partenaire.Nature(code).label if code else ""


def page(request):
    consolidation, form = _consolidation(request)
    if consolidation is None:
        return render(request, "consolidation/page.html", {"form": form, "consolidation": None}, status=400)
    contrats = paginer(request, consolidation.contrats(), PAR_PAGE)
    partenaires = paginer(request, consolidation.par_partenaire(), PAR_PAGE, nom="partenaires")
    qpv = paginer(request, consolidation.par_qpv(), PAR_PAGE, nom="qpv")
    return render(
        request,
        "consolidation/page.html",
        {
            "form": form,
            "consolidation": consolidation,
            "filtres": consolidation.filtres,
            "parametres": consolidation.filtres.parametres(),
            "total": consolidation.total(),
            "contrats": contrats,
            "rangs_contrats": consolidation.par_contrat(contrats.object_list),
            "partenaires": partenaires,
            "rangs_partenaires": [
                (r, _nature(r["partenaire__nature"]), Chiffres.de(r)) for r in partenaires.object_list
            ],
            "qpv": qpv,
            "rangs_qpv": qpv.object_list,
            "par_nature": consolidation.par_nature(),
            "par_annee": consolidation.par_annee(),
            "tenues": consolidation.tenues(),
            "en_retard": consolidation.instances_en_retard(contrats.object_list),
            "reseau": _reseau(request, consolidation.portee, consolidation.jour),
        },
    )


# -- the files: one table each, in the same rows as the page (every row, not a page) ----------------------------


def _montant(valeur):
    return None if valeur is None else format(valeur, "f")


def _chiffres(c):
    t = c.taux
    return {
        "prevu": t.prevu,
        "lignes": t.lignes,
        "lignes_prevu_inconnu": c.prevus_inconnus,
        "realise": t.realise,
        "lignes_realise_inconnu": t.inconnus,
        "taux_realisation": t.taux,
        "lignes_comparables": t.comparables,
    }


COLONNES_CHIFFRES = [
    Colonne("Prévu (€)", 18, "montant"),
    Colonne("Lignes", 10, "nombre"),
    Colonne("Lignes au prévu inconnu", 14, "nombre"),
    Colonne("Réalisé (€)", 18, "montant"),
    Colonne("Lignes au réalisé inconnu", 14, "nombre"),
    Colonne("Taux de réalisation (%)", 14, "nombre"),
    Colonne("Lignes comparables", 14, "nombre"),
]


def _tableau_contrats(consolidation):
    rangs = consolidation.par_contrat(consolidation.contrats())
    colonnes = [
        Colonne("Identifiant du contrat", 24),
        Colonne("Contrat", 40),
        Colonne("Départements", 14),
        Colonne("Collecte de l'année", 30),
        Colonne("Bilan de l'année", 30),
        Colonne("Rapport annuel", 40),
        *COLONNES_CHIFFRES,
    ]
    lignes = [
        {
            "contrat": r.contrat.slug,
            "contrat_nom": r.contrat.nom,
            "departements": " ".join(r.departements),
            "collecte": r.collecte_libelle,
            "bilan": r.bilan_libelle,
            "rapport": r.rapport,
            **_chiffres(r.chiffres),
        }
        for r in rangs
    ]
    return "Par contrat", colonnes, lignes


def _tableau_partenaires(consolidation):
    colonnes = [
        Colonne("Identifiant de l'organisation", 24),
        Colonne("Organisation", 40),
        Colonne("SIREN", 12),
        Colonne("Nature", 24),
        Colonne("Contrats", 10, "nombre"),
        *COLONNES_CHIFFRES,
    ]
    lignes = [
        {
            "partenaire": r["partenaire__slug"],
            "partenaire_nom": r["partenaire__nom"],
            "partenaire_siren": r["partenaire__siren"],
            "nature": _nature(r["partenaire__nature"]),
            "contrats": r["contrats"],
            **_chiffres(Chiffres.de(r)),
        }
        for r in consolidation.par_partenaire()
    ]
    return "Par organisation", colonnes, lignes


def _tableau_natures(consolidation):
    colonnes = [Colonne("Nature de l'organisation", 30), *COLONNES_CHIFFRES]
    return "Par nature", colonnes, [{"nature": n, **_chiffres(c)} for n, c in consolidation.par_nature()]


def _tableau_qpv(consolidation):

    colonnes = [Colonne("Code QPV", 14), Colonne("Quartier prioritaire", 40), *COLONNES_CHIFFRES]
    lignes = [{"qpv": code, "qpv_nom": nom, **_chiffres(c)} for code, nom, c in consolidation.par_qpv()]
    return "Par QPV", colonnes, lignes


def _tableau_annees(consolidation):
    colonnes = [Colonne("Année", 10, "nombre"), *COLONNES_CHIFFRES]
    return "Par année", colonnes, [{"annee": a, **_chiffres(c)} for a, c in consolidation.par_annee()]


def _tableau_tenues(consolidation):
    colonnes = [Colonne("Engagements non financiers", 30), Colonne("Nombre", 10, "nombre")]
    return "Tenue", colonnes, [{"statut": s, "nombre": n} for s, n in consolidation.tenues()]


def _tableau_instances(consolidation):
    colonnes = [
        Colonne("Identifiant du contrat", 24),
        Colonne("Contrat", 40),
        Colonne("Instance", 40),
        Colonne("Retard", 50),
    ]
    lignes = [
        {"contrat": r.contrat.slug, "contrat_nom": r.contrat.nom, "instance": r.instance.nom, "retard": r.libelle}
        for r in consolidation.instances_en_retard(consolidation.contrats())
    ]
    return "Instances en retard", colonnes, lignes


TABLEAUX = {
    "contrats": _tableau_contrats,
    "partenaires": _tableau_partenaires,
    "natures": _tableau_natures,
    "qpv": _tableau_qpv,
    "annees": _tableau_annees,
    "tenues": _tableau_tenues,
    "instances": _tableau_instances,
}


def _nom_fichier(consolidation, tableau, extension):
    f = consolidation.filtres
    territoire = f"-region-{f.region}" if f.region else ""
    territoire += f"-departement-{f.departement}" if f.departement else ""
    return f"consolidation-{tableau}{territoire}-{f.annee}.{extension}"


def _json_valeur(valeur):
    from decimal import Decimal

    return _montant(valeur) if isinstance(valeur, Decimal) else valeur


def export(request, tableau, format):
    if tableau not in TABLEAUX or format not in ("xlsx", "json"):
        raise Http404("Ce tableau n'existe pas.")
    consolidation, form = _consolidation(request)
    if consolidation is None:
        return HttpResponse(
            "Filtres invalides : " + " ".join(e for erreurs in form.errors.values() for e in erreurs),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    titre, colonnes, lignes = TABLEAUX[tableau](consolidation)
    f = consolidation.filtres
    if format == "json":
        total = _chiffres(consolidation.total())
        contenu = {
            "tableau": tableau,
            "titre": titre,
            "annee": f.annee,
            "nature": f.nature,
            "filtres": {
                "region": f.region,
                "departement": f.departement,
                "contrat": f.contrat.slug if f.contrat else "",
                "partenaire": f.partenaire.slug if f.partenaire else "",
                "nature_partenaire": f.nature_partenaire,
            },
            "total": {k: _json_valeur(v) for k, v in total.items()},
            "lignes": [{k: _json_valeur(v) for k, v in ligne.items()} for ligne in lignes],
        }
        reponse = HttpResponse(
            json.dumps(contenu, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
        )
        reponse["Content-Disposition"] = f'attachment; filename="{_nom_fichier(consolidation, tableau, "json")}"'
        return reponse
    contenu = classeur_plat((titre, colonnes, [list(ligne.values()) for ligne in lignes]))
    return telechargements.xlsx(contenu, _nom_fichier(consolidation, tableau, "xlsx"))


def pdf(request):
    """The regional review: the note a SGAR brings to the yearly meeting of the State's services."""
    consolidation, form = _consolidation(request)
    if consolidation is None:
        return render(request, "consolidation/page.html", {"form": form, "consolidation": None}, status=400)
    f = consolidation.filtres
    contrats = list(consolidation.contrats())
    if f.region:
        territoire = f"Région {territoires.nom_region(f.region)}"
    elif f.departement:
        territoire = f"Département {territoires.nom_departement(f.departement)} ({f.departement})"
    else:
        territoire = consolidation.portee.libelle
    html = render_to_string(
        "consolidation/revue_pdf.html",
        {
            "consolidation": consolidation,
            "filtres": f,
            "territoire": territoire,
            "edition": consolidation.jour,
            "total": consolidation.total(),
            "rangs_contrats": consolidation.par_contrat(contrats),
            "par_nature": consolidation.par_nature(),
            "par_annee": consolidation.par_annee(),
            "tenues": consolidation.tenues(),
            "en_retard": consolidation.instances_en_retard(contrats),
        },
    )
    return telechargements.pdf(html_en_pdf(html), _nom_fichier(consolidation, "revue", "pdf"))
