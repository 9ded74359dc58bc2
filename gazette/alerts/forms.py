"""The sign-up box's email form and the preferences form (no account, no per-reader data)."""

from __future__ import annotations

from django import forms


class EmailSignupForm(forms.Form):
    email = forms.EmailField(max_length=254)
    # Several checkboxes named "topics"; checked against topics.topic_valid by the service.
    topics = forms.MultipleChoiceField(required=True, choices=())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # Any submitted value is a "choice"; the service decides which topics exist.
        submitted = self.data.getlist("topics") if hasattr(self.data, "getlist") else []
        field = self.fields["topics"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(value, value) for value in submitted[:50]]


class PreferencesForm(forms.Form):
    topics = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["topics"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices
