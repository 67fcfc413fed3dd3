from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from sellercenter.api.exceptions import handler404 as api_not_found
from sellercenter.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    # Journey messages' click, open and unsubscribe links: public, the signed token is the credential.
    path("t/", include("promotions.journeys.urls")),
    path("api/v1/", include(("sellercenter.api.router", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    # Unknown API paths answer in the API's error shape, with DEBUG on too.
    re_path(r"^api/", api_not_found),
]
# Catalogue images: with DEBUG on (development, the demo) Django serves MEDIA_ROOT itself; in
# production the web server or a CDN serves MEDIA_URL (README, "The catalogue").
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "sellercenter.api.exceptions.handler400"
handler403 = "sellercenter.api.exceptions.handler403"
handler404 = "sellercenter.api.exceptions.handler404"
handler500 = "sellercenter.api.exceptions.handler500"
