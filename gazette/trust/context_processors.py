from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import footer_links


def trust_links(request: HttpRequest) -> dict[str, Any]:
    """``footer_links`` for base.html's footer; read only by a page that renders it."""
    return {"footer_links": SimpleLazyObject(footer_links)}
