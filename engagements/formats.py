from decimal import Decimal


def euros(montant):
    """French amount: 12 100 000 € or 1 234,50 €; blank when unknown (None is not 0).

    Plain spaces, so that the text of a page or a PDF reads as printed; the
    stylesheets keep an amount on one line.
    """
    if montant is None or montant == "":
        return ""
    montant = Decimal(montant).quantize(Decimal("0.01"))
    texte = f"{abs(montant):,.2f}".replace(",", " ").replace(".", ",")
    if texte.endswith(",00"):
        texte = texte[:-3]
    return f"{'-' if montant < 0 else ''}{texte} €"
