from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import SectionPage


def _navigation() -> list[dict]:
    return [
        {"title": s.title, "url": s.url}
        for s in SectionPage.objects.live().public().order_by("path").only("title", "url_path")
    ]


def site_furniture(request: HttpRequest) -> dict:
    return {
        "site_name": settings.GAZETTE_SITE_NAME,
        "base_url": settings.GAZETTE_BASE_URL,
        "navigation": SimpleLazyObject(_navigation),
    }
