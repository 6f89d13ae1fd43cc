"""Lists paginated the same way everywhere, whatever the query string says."""

from django.core.paginator import EmptyPage
from django_tables2 import RequestConfig

PAR_PAGE_MAX = 200


def _entier(texte, defaut):
    try:
        return int(texte)
    except (TypeError, ValueError):
        return defaut


def configurer(request, table, par_page):
    """Ordering from the query string; a page size bounded to 1..PAR_PAGE_MAX; a page number past
    the end shows the last page (a negative, huge or non-numeric value is no error)."""
    RequestConfig(request, paginate=False).configure(table)
    taille = min(max(_entier(request.GET.get("per_page"), par_page), 1), PAR_PAGE_MAX)
    page = max(_entier(request.GET.get("page"), 1), 1)
    try:
        table.paginate(page=page, per_page=taille)
    except EmptyPage:
        table.paginate(page=table.paginator.num_pages, per_page=taille)
    return table


def page(request, objets, par_page, nom="page", compte=None):
    """The page `?{nom}=` of a queryset or list, past the end the last one: a Django `Page`, whose
    slice is all the query reads (the count and the rows; `compte`: the count already known)."""
    from django.core.paginator import Paginator

    paginateur = Paginator(objets, par_page)
    if compte is not None:
        paginateur.count = compte  # a cached property: the count query is not made again
    return paginateur.get_page(max(_entier(request.GET.get(nom), 1), 1))
