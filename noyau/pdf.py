"""Every PDF of the application: our own HTML, no external resource."""

import gc
import threading
from contextlib import contextmanager


def _pdf_fetcher():
    from weasyprint.urls import URLFetcher

    class SansRessourceExterne(URLFetcher):
        # The PDF is built from our own template and inline CSS: nothing, and
        # certainly nothing a user typed, may make WeasyPrint read a file or the network.
        def fetch(self, url, headers=None):
            raise ValueError(f"Ressource externe refusée : {url}")

    return SansRessourceExterne()


@contextmanager
def sans_ramasse_miettes():
    # The layout makes millions of small objects that all live until the end: the cyclic
    # garbage collector would walk them again and again for nothing (a quarter of the time
    # of a 2 000-line annexe, make bench). The collector is process-wide, so it is paused only
    # where this render is the one thread running (the task worker that makes large exports),
    # never under the other threads of a web worker.
    seul = threading.active_count() == 1
    actif = gc.isenabled()
    if seul:
        gc.disable()
    try:
        yield
    finally:
        if seul and actif:
            gc.enable()


def mettre_en_page(html):
    """The laid-out document: its pages, the position of each element with an id (`page.anchors`)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None, url_fetcher=_pdf_fetcher()).render()


def html_en_pdf(html):
    with sans_ramasse_miettes():
        return mettre_en_page(html).write_pdf()
