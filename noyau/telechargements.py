"""The HTTP responses of downloaded files: one place for content types and file names."""

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _nom(nom):
    # A file name is built from slugs, but never let a quote or a line break reach the header.
    return "".join(c for c in nom if c not in '"\r\n\\')


def fichier(contenu, nom, type_, joint=True):
    reponse = HttpResponse(contenu, content_type=type_)
    reponse["Content-Disposition"] = f'{"attachment" if joint else "inline"}; filename="{_nom(nom)}"'
    return reponse


def pdf(contenu, nom):
    """Shown in the browser's reader, as the signed documents are."""
    return fichier(contenu, nom, "application/pdf", joint=False)


def xlsx(contenu, nom):
    return fichier(contenu, nom, XLSX)


def csv(texte, nom):
    # The byte-order mark makes Excel read the file as UTF-8.
    return fichier("\ufeff" + texte, nom, "text/csv; charset=utf-8")


def ics(texte, nom):
    return fichier(texte, nom, "text/calendar; charset=utf-8")
