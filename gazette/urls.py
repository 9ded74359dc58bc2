from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from gazette.alerts import views as alerts_views
from gazette.api.v1 import api as api_v1
from gazette.health import views as health_views
from gazette.news import urls as news_urls
from gazette.views import media_serve

urlpatterns = [
    path("healthz", health_views.healthz, name="healthz"),
    path("readyz", health_views.readyz, name="readyz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("akismet/", include("gazette.antispam.akismet.urls")),
    path("comments/", include("gazette.comments.urls")),
    path("api/v1/", api_v1.urls),
    path("alerts/", include("gazette.alerts.urls")),
    path("live/", include("gazette.live.urls")),
    path("alerts-sw.js", alerts_views.service_worker, name="alerts-service-worker"),
    path("trust/", include("gazette.trust.urls")),
    path("", include(news_urls)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
else:
    # Media on a laptop install; a proxy in front should take this over in production.
    urlpatterns += [
        path("media/<path:path>", media_serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += [path("", include(wagtail_urls))]

handler404 = "gazette.views.page_not_found"
handler500 = "gazette.views.server_error"
