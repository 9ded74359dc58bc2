"""Version 1 of the JSON API, mounted at ``/api/v1/``.

Its docs (``/api/v1/docs``) are served from our own static files (``ninja`` is in
INSTALLED_APPS), never from a CDN.
"""

from __future__ import annotations

from ninja import NinjaAPI

from .push import router as push_router

api = NinjaAPI(title="Gazette API", version="1", urls_namespace="api-v1")
api.add_router("/push/", push_router)
