import pytest

from engagements.models import Dispositif

PAGES = [
    "/",
    "/contrats/",
    "/contrats/grand-dijon/",
    "/contrats/grand-dijon/annexe-financiere/",
    "/contrats/grand-dijon/annexe-financiere.pdf",
    "/contrats/grand-dijon/annexe-financiere.xlsx",
]


@pytest.mark.parametrize("url", PAGES + ["dispositif"])
def test_every_page_requires_login(conventions, client, url):
    if url == "dispositif":
        url = f"/dispositifs/{Dispositif.objects.first().pk}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=")


def test_the_login_page_is_public_and_in_french(client, lecteur):
    response = client.get("/connexion/")
    assert response.status_code == 200
    assert '<label class="fr-label" for="id_username">' in response.content.decode()
    refus = client.post("/connexion/", {"username": "lecteur", "password": "faux"})
    assert refus.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in refus.content.decode()
    ok = client.post("/connexion/", {"username": "lecteur", "password": "mot-de-passe-de-test"})
    assert ok.status_code == 302 and ok["Location"] == "/"


def test_unknown_objects_are_404(conventions, client_connecte):
    assert client_connecte.get("/contrats/inconnu/").status_code == 404
    assert client_connecte.get("/contrats/inconnu/annexe-financiere.pdf").status_code == 404
    assert client_connecte.get("/dispositifs/999999/").status_code == 404


def test_the_static_files_of_the_design_system_are_served_locally(conventions, client_connecte):
    html = client_connecte.get("/contrats/").content.decode()
    assert "/static/dsfr/dist/dsfr/dsfr.min.css" in html
    assert "https://" not in "".join(ln for ln in html.splitlines() if "<link" in ln or "<script" in ln)
