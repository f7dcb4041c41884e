from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import TokenView

# The admin names the site as its pages do (templates/base.html).
admin.site.site_header = "Tidal Pool administration"
admin.site.site_title = "Tidal Pool admin"

api_patterns = [
    path("", include("catalog.api.urls")),
    path("", include("ingest.api.urls")),
    path("", include("library.api.urls")),
    path("", include("playlists.api.urls")),
    path("", include("accounts.urls_api")),
    path("", include("recommendations.api.urls")),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/docs.html"),
        name="docs",
    ),
]

urlpatterns = [
    # The jobs' admin moved with the model from the catalogue to the ingest app.
    re_path(
        r"^admin/catalog/ingestjob/(?P<rest>.*)$",
        RedirectView.as_view(
            url="/admin/ingest/ingestjob/%(rest)s", query_string=True, permanent=True
        ),
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_patterns)),
    path("accounts/", include("accounts.urls")),
    path("playlists/", include("playlists.urls")),
    path("", include("library.urls")),
    path("rest/", include("subsonic.urls")),
    path("", include("recommendations.urls")),
    path("", include("web.urls")),
]

handler400 = "spotify.api_errors.bad_request"
handler403 = "spotify.api_errors.permission_denied"
handler404 = "spotify.api_errors.page_not_found"
handler500 = "spotify.api_errors.server_error"
