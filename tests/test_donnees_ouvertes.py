"""Open data: the commitments of a contract as CSV and JSON, validated against the Table Schema
committed in the repository; refused to anonymous users until the chef de projet publishes them."""

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from contrat.models import Contrat
from engagements.models import Estimation, Realisation
from noyau import versions

SCHEMA = json.loads((Path(__file__).parent.parent / "schemas" / "engagements.schema.json").read_text(encoding="utf-8"))
CSV = "/contrats/grand-dijon/donnees/engagements.csv"
JSON = "/contrats/grand-dijon/donnees/engagements.json"


def lu(reponse):
    """The body of a streamed file."""
    assert reponse.streaming
    return b"".join(reponse.streaming_content)


def erreurs_selon_le_schema(lignes, depuis_csv):
    """What the Table Schema refuses in these rows (field names, types, required, pattern, bounds)."""
    noms = [c["name"] for c in SCHEMA["fields"]]
    erreurs = []
    for i, ligne in enumerate(lignes, 1):
        if list(ligne) != noms:
            erreurs.append((i, "champs", list(ligne)))
            continue
        for champ in SCHEMA["fields"]:
            valeur, regles = ligne[champ["name"]], champ.get("constraints", {})
            if valeur is None or valeur in SCHEMA["missingValues"]:
                if regles.get("required"):
                    erreurs.append((i, champ["name"], "manquant"))
                continue
            if champ["type"] == "string":
                ok = isinstance(valeur, str) and ("pattern" not in regles or re.fullmatch(regles["pattern"], valeur))
                nombre = None
            elif champ["type"] == "integer":
                ok = re.fullmatch(r"-?\d+", valeur) is not None if depuis_csv else type(valeur) is int
                nombre = Decimal(valeur) if ok else None
            else:  # number
                ok = (
                    re.fullmatch(r"-?\d+(\.\d+)?", valeur) is not None
                    if depuis_csv
                    else isinstance(valeur, (int, Decimal))
                )
                nombre = Decimal(str(valeur)) if ok else None
            if ok and nombre is not None:
                ok = regles.get("minimum", nombre) <= nombre <= regles.get("maximum", nombre)
            if not ok:
                erreurs.append((i, champ["name"], valeur))
    return erreurs


@pytest.fixture
def realise(conventions, comptes):
    """One line of 2015 done and known, another reported unknown."""
    lignes = list(
        Estimation.objects.filter(
            dispositif__contrat=conventions, partenaire__slug="caf-21", annee=2015, montant_annuel__isnull=False
        ).order_by("dispositif__ordre")[:2]
    )
    versions.creer(comptes["agent.caf"], Realisation(estimation=lignes[0], montant_realise=Decimal("12345.67")))
    versions.creer(comptes["agent.caf"], Realisation(estimation=lignes[1], montant_realise=None, remarque="À venir"))
    return lignes


def test_the_csv_and_the_json_validate_against_the_committed_schema(connecter, conventions, realise):
    client = connecter("lecteur")
    reponse = client.get(CSV)
    assert reponse.status_code == 200 and reponse["Content-Type"] == "text/csv; charset=utf-8"
    lignes = list(csv.DictReader(io.StringIO(lu(reponse).decode("utf-8-sig"))))
    attendues = Estimation.objects.filter(dispositif__contrat=conventions, dispositif__archive=False).count()
    assert len(lignes) == attendues == 37  # the 37 lines of the CAF annexe 2015
    assert erreurs_selon_le_schema(lignes, depuis_csv=True) == []
    # The amounts are the stored ones, to the cent; an unknown one is empty, never 0.
    caf_2015 = [ligne for ligne in lignes if ligne["partenaire"] == "caf-21" and ligne["annee"] == "2015"]
    assert sum(Decimal(ligne["montant_prevu"]) for ligne in caf_2015 if ligne["montant_prevu"]) == Decimal("43130000")
    fait = next(ligne for ligne in caf_2015 if ligne["dispositif"] == realise[0].dispositif.libelle)
    assert fait["montant_realise"] == "12345.67"
    inconnu = next(ligne for ligne in caf_2015 if ligne["dispositif"] == realise[1].dispositif.libelle)
    assert inconnu["montant_realise"] == ""
    # The place in the tree and the quartiers, as the contract says them.
    assert any(" > " in ligne["niveaux"] for ligne in lignes)
    assert any("Fontaine d'Ouche" in ligne["quartiers"] for ligne in caf_2015)

    donnees = json.loads(lu(client.get(JSON)).decode(), parse_float=Decimal)
    assert (
        donnees["schema"] == "http://testserver/schemas/engagements.schema.json" and donnees["contrat"] == "grand-dijon"
    )
    assert erreurs_selon_le_schema(donnees["engagements"], depuis_csv=False) == []
    assert len(donnees["engagements"]) == attendues
    assert sum(
        e["montant_prevu"]
        for e in donnees["engagements"]
        if e["partenaire"] == "caf-21" and e["annee"] == 2015 and e["montant_prevu"] is not None
    ) == Decimal("43130000")
    assert Decimal("12345.67") in [e["montant_realise"] for e in donnees["engagements"]]


def test_the_validator_refuses_what_the_schema_refuses():
    noms = [c["name"] for c in SCHEMA["fields"]]
    valeurs = [
        "grand-dijon",
        "Contrat",
        "caf-21",
        "CAF",
        "",
        "",
        "caf-2015-06",
        "Dispositif",
        "2015",
        "10.50",
        "",
        "",
        "",
    ]
    bonne = dict(zip(noms, valeurs, strict=True))
    assert erreurs_selon_le_schema([bonne], depuis_csv=True) == []
    assert erreurs_selon_le_schema([{**bonne, "montant_prevu": "-1"}], depuis_csv=True) == [(1, "montant_prevu", "-1")]
    assert erreurs_selon_le_schema([{**bonne, "annee": "deux mille"}], depuis_csv=True) == [(1, "annee", "deux mille")]
    assert erreurs_selon_le_schema([{**bonne, "dispositif": ""}], depuis_csv=True) == [(1, "dispositif", "manquant")]
    assert erreurs_selon_le_schema([{**bonne, "dispositif_code": "a b"}], depuis_csv=True) == [
        (1, "dispositif_code", "a b")
    ]
    assert erreurs_selon_le_schema([{**bonne, "partenaire_siren": "12"}], depuis_csv=True) == [
        (1, "partenaire_siren", "12")
    ]


def test_refused_to_anonymous_users_until_published_then_open_to_all(client, connecter, conventions, comptes):
    assert conventions.donnees_publiques is False  # off by default
    for url in (CSV, JSON):
        reponse = client.get(url)
        assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/")
    # A reader of another contract does not see it either.
    assert connecter("agent.caf").get("/contrats/seine-amont/donnees/engagements.csv").status_code == 404
    # The chef de projet publishes them, through the contract's form (versioned, in its history).
    chef = connecter("chef.projet")
    page = chef.get("/contrats/grand-dijon/modifier/")
    donnees = {nom: valeur for nom, valeur in page.context["form"].initial.items() if valeur is not None}
    donnees.update(
        {
            "porteur": conventions.porteur_id or "",
            "donnees_publiques": "on",
            "date_signature": conventions.date_signature.isoformat() if conventions.date_signature else "",
        }
    )
    assert chef.post("/contrats/grand-dijon/modifier/", donnees).status_code == 302
    assert Contrat.objects.get(pk=conventions.pk).donnees_publiques is True
    connecter(None)
    for url in (CSV, JSON):
        assert client.get(url).status_code == 200
    assert "Données ouvertes" in connecter("lecteur").get("/contrats/grand-dijon/").content.decode()
    assert client.get("/contrats/grand-dijon/donnees/engagements.xml").status_code == 404
    schema = connecter(None).get("/schemas/engagements.schema.json")
    assert schema.status_code == 200 and json.loads(schema.content)["name"] == "engagements-contrat-de-ville"


def test_the_files_are_kept_while_the_data_are_unchanged_and_made_anew_after_a_change(
    connecter, conventions, comptes, monkeypatch
):
    """The second identical request serves the kept file (no row read again: the same bytes from the
    same stored file); a change of an amount through the write service makes a new one, and the older
    file is removed."""
    from engagements import donnees
    from engagements.models import Export

    client = connecter("lecteur")
    premier = lu(client.get(CSV))
    garde = Export.objects.get(nature="donnees_csv", contrat=conventions)
    ecrits = []
    ecrire = donnees.ecrire_csv
    monkeypatch.setattr(donnees, "ecrire_csv", lambda *a: ecrits.append(a) or ecrire(*a))
    second = lu(client.get(CSV))
    # Kept: the same bytes of the same stored file, not written again.
    assert second == premier and ecrits == []
    assert Export.objects.get(nature="donnees_csv", contrat=conventions).pk == garde.pk
    ligne = Estimation.objects.filter(dispositif__contrat=conventions, montant_annuel__isnull=False).first()
    lue = ligne.version
    ligne.montant_annuel = Decimal("777.77")
    versions.modifier(comptes["chef.projet"], ligne, lue)
    troisieme = lu(client.get(CSV))
    assert troisieme != premier and "777.77" in troisieme.decode("utf-8-sig") and len(ecrits) == 1
    nouveau = Export.objects.get(nature="donnees_csv", contrat=conventions)
    assert nouveau.pk != garde.pk and not garde.fichier.storage.exists(garde.fichier.name)
    # JSON is kept apart from the CSV.
    lu(client.get(JSON))
    assert Export.objects.filter(contrat=conventions, nature__startswith="donnees_").count() == 2


def test_a_kept_file_gone_from_storage_is_made_again(connecter, conventions):
    from engagements.models import Export

    client = connecter("lecteur")
    premier = lu(client.get(CSV))
    garde = Export.objects.get(nature="donnees_csv", contrat=conventions)
    garde.fichier.storage.delete(garde.fichier.name)
    assert lu(client.get(CSV)) == premier
    assert Export.objects.filter(nature="donnees_csv", contrat=conventions).count() == 1


def test_a_region_s_published_contracts_in_one_file_of_the_same_schema_with_stable_identifiers(client, conventions):
    from contrat.models import QuartierPrioritaire

    # A quartier of the official list, targeted by a CAF dispositif: its 2024 code is in the file.
    qpv = QuartierPrioritaire.objects.create(code="QN02101M", nom="Le Mail")
    dispositif = conventions.dispositifs.get(code="caf-2015-06")
    quartier = dispositif.quartiers.first() or conventions.quartiers.first()
    quartier.qpv = qpv
    quartier.save()
    dispositif.quartiers.add(quartier)
    assert client.get("/donnees/regions/27/engagements.json").status_code == 200
    vide = json.loads(lu(client.get("/donnees/regions/27/engagements.json")), parse_float=Decimal)
    assert (vide["region"], vide["contrats"], vide["engagements"]) == ("27", [], [])  # nothing published yet
    Contrat.objects.filter(slug__in=["grand-dijon", "seine-amont"]).update(donnees_publiques=True)
    donnees = json.loads(lu(client.get("/donnees/regions/27/engagements.json")), parse_float=Decimal)
    assert donnees["contrats"] == ["grand-dijon"]  # seine-amont is in the 11, ctg-dijon unpublished
    assert erreurs_selon_le_schema(donnees["engagements"], depuis_csv=False) == []
    caf = [e for e in donnees["engagements"] if e["partenaire"] == "caf-21" and e["annee"] == 2015]
    assert sum(e["montant_prevu"] for e in caf if e["montant_prevu"] is not None) == Decimal("43130000")
    ligne = next(e for e in caf if e["dispositif_code"] == "caf-2015-06")
    assert ligne["qpv"] == "QN02101M" and ligne["contrat"] == "grand-dijon"
    csv_ = lu(client.get("/donnees/regions/11/engagements.csv")).decode("utf-8-sig")
    # Seine-Amont's conventions hold fiches, no financial line: the file has the schema's header alone.
    assert list(csv.reader(io.StringIO(csv_))) == [[c["name"] for c in SCHEMA["fields"]]]
    assert client.get("/donnees/regions/99/engagements.csv").status_code == 404
