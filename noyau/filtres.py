"""The summary of a list's active filters: each one named, with the address that removes it."""

from django.http import QueryDict


def actifs(filtre, requete):
    """[(label, value as shown, query string without that filter)] for a bound, valid filterset."""
    if not filtre.is_bound or not filtre.is_valid():
        return []
    resume = []
    for nom, valeur in filtre.form.cleaned_data.items():
        if valeur in (None, "", [], ()):
            continue
        champ = filtre.form.fields[nom]
        if hasattr(champ, "choices") and not hasattr(valeur, "pk"):
            texte = dict(champ.choices).get(valeur, valeur)
        else:
            texte = valeur
        reste = QueryDict(mutable=True)
        for cle, valeurs in requete.lists():
            if cle not in (nom, "page"):
                reste.setlist(cle, valeurs)
        resume.append((champ.label, str(texte), reste.urlencode()))
    return resume
