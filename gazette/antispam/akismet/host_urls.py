"""URLconf of a host that serves only the Akismet API, at its root (GAZETTE_AKISMET_HOSTS)."""

from django.urls import include, path

urlpatterns = [
    path("", include("gazette.antispam.akismet.urls")),
    path("akismet/", include("gazette.antispam.akismet.urls", namespace="akismet-prefixed")),
]
