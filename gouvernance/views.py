from datetime import datetime
from datetime import timezone as fuseau

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from contrat import permissions
from contrat.models import Contrat

from .models import Decision, Instance, Membre, Seance
from .rythmes import suivi


def _instances(contrat):
    membres = Prefetch("membres", queryset=Membre.objects.select_related("partenaire"))
    sous_instances = Prefetch("sous_instances", queryset=Instance.objects.prefetch_related(membres, "sous_instances"))
    return (contrat.instances.select_related("document", "contrat", "parent")
            .prefetch_related(membres, "seances", sous_instances))


def page(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    jour = timezone.localdate()
    instances = list(_instances(contrat))
    suivis = suivi(instances, jour)
    colonnes = [(valeur, libelle, [i for i in instances if i.colonne == valeur and i.parent_id is None])
                for valeur, libelle in Instance.Colonne.choices]
    ctx = {
        "contrat": contrat, "jour": jour, "colonnes": colonnes,
        "autres": [i for i in instances if not i.colonne and i.parent_id is None],
        "prochaines": sorted(((c, s.instance) for s in suivis for c in s.prochaines), key=lambda x: x[0].debut)[:15],
        "en_retard": [s for s in suivis if s.manque],
        "decisions_en_souffrance": (Decision.objects.filter(seance__instance__contrat=contrat).en_souffrance(jour)
                                    .select_related("seance__instance", "partenaire")),
        "seances": Seance.objects.filter(instance__contrat=contrat).select_related("instance")[:20],
        "pilote": permissions.peut_piloter(request.user, contrat),
    }
    return render(request, "gouvernance/page.html", ctx)


def _echappe(texte):
    """RFC 5545 text: backslash, semicolon, comma and newlines escaped."""
    return (texte.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _plie(ligne):
    """Lines longer than 75 octets are folded (RFC 5545 §3.1)."""
    octets = ligne.encode("utf-8")
    morceaux = []
    while len(octets) > 75:
        coupe = 75 if not morceaux else 74
        while coupe and (octets[coupe] & 0xC0) == 0x80:  # never cut inside a UTF-8 character
            coupe -= 1
        morceaux.append(octets[:coupe].decode("utf-8"))
        octets = octets[coupe:]
    morceaux.append(octets.decode("utf-8"))
    return "\r\n ".join(morceaux)


def seances_ics(request, slug):
    contrat = get_object_or_404(Contrat.objects.visible_to(request.user), slug=slug)
    maintenant = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    lignes = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Contrats de ville//Séances//FR", "CALSCALE:GREGORIAN",
              f"X-WR-CALNAME:{_echappe(contrat.nom)}"]
    for seance in Seance.objects.filter(instance__contrat=contrat).select_related("instance").order_by("date", "pk"):
        lignes += ["BEGIN:VEVENT", f"UID:seance-{seance.pk}@{request.get_host()}", f"DTSTAMP:{maintenant}"]
        if seance.heure:
            debut = timezone.make_aware(datetime.combine(seance.date, seance.heure))
            lignes.append(f"DTSTART:{debut.astimezone(fuseau.utc):%Y%m%dT%H%M%SZ}")
        else:
            lignes.append(f"DTSTART;VALUE=DATE:{seance.date:%Y%m%d}")
        lignes.append(f"SUMMARY:{_echappe(seance.instance.nom)}")
        if seance.lieu:
            lignes.append(f"LOCATION:{_echappe(seance.lieu)}")
        if seance.ordre_du_jour:
            lignes.append(f"DESCRIPTION:{_echappe('Ordre du jour :' + chr(10) + seance.ordre_du_jour)}")
        lignes.append("END:VEVENT")
    lignes.append("END:VCALENDAR")
    contenu = "\r\n".join(_plie(l) for l in lignes) + "\r\n"
    response = HttpResponse(contenu, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="seances-{contrat.slug}.ics"'
    return response


