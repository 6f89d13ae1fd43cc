"""Every page's references hold: an `aria-describedby`, `aria-labelledby`, `aria-controls` or a
label's `for` names an element of the page, and no two elements share an id. Checked on every
page of the URL × role matrix (its forms bound with errors too, for the séance and annexe forms)."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from .conftest import rendu_verifie_sur_sqlite
from .test_matrice_urls import MATRICE, ROLES, _url

pytestmark = rendu_verifie_sur_sqlite


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.doubles, self.refs = set(), set(), []

    def handle_starttag(self, tag, attrs):
        attributs = dict(attrs)
        if attributs.get("id"):
            (self.doubles if attributs["id"] in self.ids else self.ids).add(attributs["id"])
        for nom in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in (attributs.get(nom) or "").split():
                self.refs.append((tag, nom, ref))
        if tag == "label" and attributs.get("for"):
            self.refs.append((tag, "for", attributs["for"]))


def _defauts(html):
    lecteur = _References()
    lecteur.feed(html)
    manquants = [f"{tag} {nom}={ref}" for tag, nom, ref in lecteur.refs if ref not in lecteur.ids]
    return manquants + [f"id en double : {i}" for i in sorted(lecteur.doubles)]


@pytest.mark.parametrize("role", [r for r in ROLES])
def test_every_reference_of_every_page_names_an_element_of_it(comptes, role):
    client = Client()
    if role != "anonyme":
        client.force_login(comptes[role])
    i = ROLES.index(role)
    defauts = []
    for nom, (kwargs, statuts) in sorted(MATRICE.items()):
        if statuts[i] != 200 or nom.startswith("admin:"):
            continue
        url = _url(nom, kwargs)
        reponse = client.get(url)
        if reponse.status_code == 200 and reponse["Content-Type"].startswith("text/html"):
            defauts += [f"{url} : {d}" for d in _defauts(reponse.content.decode())]
    # Forms sent back with their errors tie each error (and each help text) to its field.
    if role == "chef.projet":
        for url, donnees in [
            ("/contrats/grand-dijon/seances/ajouter/", {"date": "pas une date"}),
            ("/contrats/grand-dijon/annexe-financiere/", {"au": "hier"}),
            ("/contrats/grand-dijon/collectes/ouvrir/", {"annee": "x"}),
        ]:
            reponse = client.post(url, donnees) if "ajouter" in url or "ouvrir" in url else client.get(url, donnees)
            defauts += [f"{url} (erreurs) : {d}" for d in _defauts(reponse.content.decode())]
    assert defauts == [], "\n".join(defauts)
