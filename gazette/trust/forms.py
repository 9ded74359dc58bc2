"""The contact form: the fields editors build in the admin, bounded, plus a honeypot.

Wagtail's form builder leaves multi-line fields unbounded; a message here is at most
``MULTILINE_MAX`` characters so that a post cannot fill the database or an inbox.
"""

from __future__ import annotations

from typing import Any

from django import forms
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

MULTILINE_MAX = 5000
# A field people never see (hidden by CSS, skipped by keyboards and screen readers) and
# scripts that fill in every input do fill. Its name sounds like something to fill in.
HONEYPOT = "contact_website"


class ContactForm(BaseForm):
    """What the builder makes, with the honeypot. ``is_bot``: the honeypot was filled in."""

    @property
    def is_bot(self) -> bool:
        return bool(self.is_bound and str(self.data.get(HONEYPOT, "")).strip())


class ContactFormBuilder(FormBuilder):
    def create_multiline_field(self, field: Any, options: dict[str, Any]) -> forms.Field:
        options["max_length"] = MULTILINE_MAX
        options.setdefault("widget", forms.Textarea(attrs={"rows": 8}))
        return forms.CharField(**options)

    def get_form_class(self) -> type[ContactForm]:
        fields: dict[str, Any] = dict(self.formfields)
        fields[HONEYPOT] = forms.CharField(
            required=False, label="Leave this field empty",
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))
        return type("ContactForm", (ContactForm,), fields)


def stored_data(form: forms.Form) -> dict[str, Any]:
    """The fields the editors built, as the submission keeps them (not the honeypot)."""
    return {name: value for name, value in form.cleaned_data.items() if name != HONEYPOT}
