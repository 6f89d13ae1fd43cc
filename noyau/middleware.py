from django.shortcuts import render


class RefusDesCaracteresNuls:
    """A NUL byte in a parameter is nobody's typing, and PostgreSQL refuses it in any text it is
    compared with: such a request is answered 400, in French, before any view reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        parametres = [request.GET]
        if request.method == "POST":
            parametres.append(request.POST)  # the fields only: uploaded files are not looked at
        if any("\x00" in cle or any("\x00" in v for v in valeurs) for qd in parametres for cle, valeurs in qd.lists()):
            return render(request, "400.html", {"raison": "un paramètre contient un caractère nul"}, status=400)
        return self.get_response(request)
