"""What is the same for every request of a process, worked out once: static files' URLs and the
URLs of views, for the renderers that replaced templates on the uncached story's path.

``{% static %}`` asks the static files storage each time (the manifest's hashed name, a URL
join, quoting) and ``{% url %}`` walks the URL resolver each time: a few dozen microseconds
each, 10 and 28 times a story. Their answers change only with the settings (URLs, storage),
the script prefix and the URLconf, which the keys hold or a changed setting forgets.

``path_with(viewname, value)`` reverses a view whose one argument is an id or a slug once per
process, with a stand-in value, and puts the value in its place: the same string Django's
``reverse`` gives for any id, and for any slug the slug converter takes (anything else is
reversed as usual).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

_static: dict[str, str] = {}
_paths: dict[tuple[str, str, Any], str] = {}
_patterns: dict[tuple[str, str, Any], tuple[str, str]] = {}
# A stand-in that any int or slug converter takes and that cannot occur in a URL pattern's text.
_STAND_IN = 987654321987
_PLAIN = re.compile(r"[-a-zA-Z0-9_]+")


def static_url(path: str) -> str:
    """``{% static path %}`` (unescaped)."""
    if settings.DEBUG:
        return static(path)
    url = _static.get(path)
    if url is None:
        url = _static[path] = static(path)
    return url


def path_to(viewname: str) -> str:
    """``reverse(viewname)`` for a view without arguments."""
    key = (viewname, get_script_prefix(), get_urlconf())
    found = _paths.get(key)
    if found is None:
        found = _paths[key] = reverse(viewname)
    return found


def path_with(viewname: str, value: int | str, *more: str) -> str:
    """``reverse(viewname, args=[value, *more])`` for a view whose first argument takes
    ``value`` (an int converter an id, a slug converter a slug)."""
    text = str(value)
    if not (isinstance(value, int) or _PLAIN.fullmatch(text)):
        return reverse(viewname, args=[value, *more])
    key = (viewname, get_script_prefix(), (get_urlconf(), more))
    found = _patterns.get(key)
    if found is None:
        before, stand_in, after = reverse(viewname, args=[_STAND_IN, *more]).partition(
            str(_STAND_IN))
        if not stand_in or str(_STAND_IN) in after:
            return reverse(viewname, args=[value, *more])
        found = _patterns[key] = (before, after)
    before, after = found
    return f"{before}{text}{after}"


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    _static.clear()
    _paths.clear()
    _patterns.clear()
