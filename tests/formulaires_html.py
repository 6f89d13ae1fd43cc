"""The POST forms of a page as a browser would send them: what a test posts back."""

from html.parser import HTMLParser


class Formulaires(HTMLParser):
    """The POST forms of a page: their action and every field with the value the page gives it."""

    def __init__(self):
        super().__init__()
        self.formulaires, self.courant, self.select, self.zone = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.courant = {"action": a.get("action") or "", "champs": {}, "multiples": set()}
            self.formulaires.append(self.courant)
        elif self.courant is None:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                self.courant["champs"].setdefault(a["name"], [])
                if "checked" in a:
                    self.courant["champs"][a["name"]].append(a.get("value", "on"))
            elif a.get("type") != "file":
                self.courant["champs"][a["name"]] = [a.get("value", "")]
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.courant["champs"].setdefault(self.select, [])
            if "multiple" in a:
                self.courant["multiples"].add(self.select)
        elif tag == "option" and self.select and "selected" in a:
            self.courant["champs"][self.select].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self.zone = a["name"]
            self.courant["champs"][self.zone] = [""]

    def handle_data(self, data):
        if self.zone and self.courant is not None:
            self.courant["champs"][self.zone][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.courant = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            if self.courant is not None:  # a browser drops the newline that opens a textarea
                valeur = self.courant["champs"][self.zone]
                valeur[0] = valeur[0].removeprefix("\n")
            self.zone = None


def formulaire(reponse, action=""):
    """{name: [values]} of the page's POST form sent to `action` ("" : the page itself), for client.post."""
    lecteur = Formulaires()
    lecteur.feed(reponse.content.decode())
    for trouve in lecteur.formulaires:
        if trouve["action"] == action:
            return dict(trouve["champs"])
    raise AssertionError(f"pas de formulaire POST vers « {action} » dans la page")
