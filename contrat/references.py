"""Reference rows several contracts share (a quartier, a QPV of the official list): they change only through the
administration or the official list's load, and each change is written in the history of every contract whose
perimeter holds them — none sees its perimeter change without a trace."""

from django.utils import timezone
from django.utils.text import slugify

from noyau.models import Historique

from .models import Commune, Partenaire, PerimetreQuartier, Quartier

RESERVES = {"ajouter"}  # words of the URLs next to /contrats/<slug>/


def noter(liens, avant, apres, *, user=None, source, detail):
    """One history entry per contract link in `liens` (PerimetreQuartier rows): what the shared row was, and is."""
    nom = (user.get_full_name() or user.username) if user is not None else "Chargement de la liste officielle"
    Historique.objects.bulk_create(
        [
            Historique(
                objet="perimetre",
                objet_id=lien.pk,
                contrat_id=lien.contrat_id,
                dossier=f"contrat:{lien.contrat_id}",
                action=Historique.Action.MODIFICATION,
                source=source,
                detail=detail,
                user=user,
                user_nom=nom,
                date=timezone.now(),
                avant=avant,
                apres=apres,
            )
            for lien in liens
        ]
    )


def liens_du_quartier(quartier):
    return PerimetreQuartier.objects.filter(quartier=quartier)


def liens_du_qpv(qpv):
    """The links that show this QPV: as their own successor, or through their quartier's."""
    from django.db.models import Q

    return PerimetreQuartier.objects.filter(Q(qpv=qpv) | Q(quartier__qpv=qpv))


def utilisations(objet):
    """The names of what still points to a shared row (a contract, a quartier, a QPV, a dispositif, a fiche…),
    found from the model's own relations: one added since is counted without a change here."""
    noms = []
    for relation in type(objet)._meta.related_objects:
        if getattr(objet, relation.get_accessor_name()).exists():
            noms.append(str(relation.related_model._meta.verbose_name_plural))
    return noms


def oublier_si_inutilise(objet):
    """A shared row added by mistake (a commune typed « Dijonn ») goes once nothing uses it any more: it is
    nobody's, and its creation and removal are in the history of the contract that added and removed it."""
    if objet.pk is not None and not utilisations(objet):
        objet.delete()
        return True
    return False


def slug_libre(modele, base, **filtre):
    """A slug derived from a name, made unique among `modele`'s rows (filtered)."""
    racine = (slugify(base)[:70] or "element").strip("-")
    slug, n = racine, 2
    while slug in RESERVES or modele.objects.filter(slug=slug, **filtre).exists():
        slug, n = f"{racine}-{n}", n + 1
    return slug


# -- the shared rows a contract's pages add: one place creates them ---------------------------------
# Each is written in the transaction of the contract's own change that shows it (its communes, its
# partners, its perimeter), whose history entry names it; removed again by `oublier_si_inutilise`.


def commune(nom, code_insee=""):
    """The commune of that INSEE code when one is given (two communes of France may share a name); else the one
    of that name, whatever its case and spaces, its code written if it had none; a new one if none is."""
    nom = " ".join(nom.split())
    if code_insee and (par_code := Commune.objects.filter(code_insee=code_insee).first()):
        return par_code
    homonyme = Commune.objects.filter(nom__iexact=nom).first()
    if homonyme is not None and not (code_insee and homonyme.code_insee):
        if code_insee:
            homonyme.code_insee = code_insee
            homonyme.save(update_fields=["code_insee"])
        return homonyme
    return Commune.objects.create(nom=nom, slug=slug_libre(Commune, nom), code_insee=code_insee)


def quartier(nom, commune_, code=""):
    """The quartier of that name in that commune; a new one (with the code typed) if none has it."""
    nom = " ".join(nom.split())
    return Quartier.objects.filter(nom__iexact=nom, commune=commune_).first() or Quartier.objects.create(
        nom=nom, commune=commune_, code=code, slug=slug_libre(Quartier, f"{commune_.nom} {nom}")
    )


def quartier_du_qpv(qpv, commune_):
    """The shared quartier of a QPV's code, or a new one named as the official list names it."""
    return Quartier.objects.filter(code=qpv.code).order_by("pk").first() or Quartier.objects.create(
        nom=qpv.nom, commune=commune_, code=qpv.code, qpv=qpv, slug=slug_libre(Quartier, f"{qpv.code} {qpv.nom}")
    )


def partenaire(nouveau):
    """A new organisation (an unsaved Partenaire from its form), with a free slug."""
    nouveau.slug = slug_libre(Partenaire, nouveau.sigle or nouveau.nom)
    nouveau.save()
    return nouveau
