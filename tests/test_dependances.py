"""The import graph of the project's own code has no cycle.

Every `import` of every module is read with `ast`, those inside functions too (a lazy
import hides a cycle, it does not remove it). Migrations and tests are left aside.
"""

import ast
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
PAQUETS = [
    "noyau",
    "contrat",
    "engagements",
    "importation",
    "fiches",
    "gouvernance",
    "tenues",
    "accueil",
    "rapport",
    "config",
]
# Domain apps may use each other's models, never their helpers: the shared helpers live in `noyau`.
DOMAINE = ["contrat", "engagements", "importation", "fiches", "gouvernance", "tenues"]


def _modules():
    modules = {}
    for paquet in PAQUETS:
        for chemin in sorted((RACINE / paquet).rglob("*.py")):
            relatif = chemin.relative_to(RACINE)
            if "migrations" in relatif.parts:
                continue
            parties = list(relatif.with_suffix("").parts)
            if parties[-1] == "__init__":
                parties.pop()
            modules[".".join(parties)] = chemin
    return modules


def _imports(nom, chemin, connus):
    """The project's modules that `nom` imports (a package's import counts as its __init__)."""
    arbre = ast.parse(chemin.read_text(), filename=str(chemin))
    est_paquet = chemin.name == "__init__.py"
    paquet = nom.split(".") if est_paquet else nom.split(".")[:-1]
    cibles = set()
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            noms = [alias.name for alias in noeud.names]
        elif isinstance(noeud, ast.ImportFrom):
            if noeud.level:
                base = paquet[: len(paquet) - noeud.level + 1]
                module = ".".join(base + ([noeud.module] if noeud.module else []))
            else:
                module = noeud.module
            # "from . import views" imports the module views; "from .models import X" the module models.
            noms = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in connus else module for alias in noeud.names]
        else:
            continue
        for cible in noms:
            while cible and cible not in connus:
                cible = cible.rpartition(".")[0]
            if cible and cible != nom:
                cibles.add(cible)
    return cibles


def _graphe():
    modules = _modules()
    return {nom: _imports(nom, chemin, modules) for nom, chemin in modules.items()}


def _cycles(graphe):
    """Strongly connected components of more than one node (Tarjan)."""
    index, bas, pile, dans_pile, composantes = {}, {}, [], set(), []
    compteur = [0]

    def visiter(v):
        index[v] = bas[v] = compteur[0]
        compteur[0] += 1
        pile.append(v)
        dans_pile.add(v)
        for w in graphe.get(v, ()):
            if w not in index:
                visiter(w)
                bas[v] = min(bas[v], bas[w])
            elif w in dans_pile:
                bas[v] = min(bas[v], index[w])
        if bas[v] == index[v]:
            composante = set()
            while True:
                w = pile.pop()
                dans_pile.discard(w)
                composante.add(w)
                if w == v:
                    break
            if len(composante) > 1:
                composantes.append(sorted(composante))

    for v in sorted(graphe):
        if v not in index:
            visiter(v)
    return composantes


def test_the_reader_sees_lazy_and_relative_imports(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "__init__.py").write_text("")
    (tmp_path / "a" / "x.py").write_text("def f():\n    from . import y\n")
    (tmp_path / "a" / "y.py").write_text("from .x import f\n")
    connus = {"a", "a.x", "a.y"}
    assert _imports("a.x", tmp_path / "a" / "x.py", connus) == {"a.y"}
    assert _imports("a.y", tmp_path / "a" / "y.py", connus) == {"a.x"}
    assert _cycles({"a.x": {"a.y"}, "a.y": {"a.x"}}) == [["a.x", "a.y"]]


def test_no_cycle_between_modules():
    assert _cycles(_graphe()) == []


def test_no_cycle_between_top_level_packages():
    paquets = {}
    for nom, cibles in _graphe().items():
        haut = nom.split(".")[0]
        paquets.setdefault(haut, set()).update(c.split(".")[0] for c in cibles if c.split(".")[0] != haut)
    assert _cycles(paquets) == []


def test_the_core_names_no_domain_app():
    graphe = _graphe()
    fautes = sorted(
        (nom, cible)
        for nom, cibles in graphe.items()
        if nom.startswith("noyau")
        for cible in cibles
        if cible.split(".")[0] in DOMAINE
    )
    assert fautes == []


def test_domain_apps_import_only_models_of_each_other():
    """`fiches` may read `engagements.models`, not its views, forms or services."""
    fautes = []
    for nom, cibles in _graphe().items():
        haut = nom.split(".")[0]
        if haut not in DOMAINE:
            continue
        for cible in cibles:
            autre = cible.split(".")
            if autre[0] in DOMAINE and autre[0] != haut and cible not in (f"{autre[0]}.models", "contrat.permissions"):
                fautes.append((nom, cible))
    assert sorted(fautes) == []
