"""Widgets that render many choices quickly."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class Select(forms.Select):
    """Django's Select, written out in Python rather than one template per option.

    The filters of the lists offer every pilier, orientation and objectif the user may see
    (hundreds of options); through templates they cost more than the table itself (make bench).
    Same markup, same escaping; no optgroups (the filters have none)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _, groupe, _ in widget["optgroups"]
                for option in groupe
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)
