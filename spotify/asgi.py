"""ASGI entry point: Django over HTTP (song streams and the store's webhook by lean paths), the
live websockets beside it."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spotify.settings")
django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application does

from spotify.django_handler import SiteASGIHandler  # noqa: E402

# Django's handler, with a request's middleware and view in one thread (spotify/django_handler.py).
django_asgi_app = SiteASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from catalog.asgi import SongStreams  # noqa: E402
from catalog.routing import websocket_urlpatterns as catalog_sockets  # noqa: E402
from ingest.asgi import IngestWebhook  # noqa: E402
from ingest.resync_runs import schedule_periodic_resync  # noqa: E402
from ingest.routing import websocket_urlpatterns as ingest_sockets  # noqa: E402
from spotify import server_fixes  # noqa: E402

# A stream whose encode fails midway is cut, not ended as if whole, and form bodies are left
# to Django, not read whole into memory by the server, and a body over its address's limit is
# refused before it is stored (spotify/server_fixes.py, spotify/body_limits.py).
server_fixes.install()

application = ProtocolTypeRouter(
    {
        "http": IngestWebhook(SongStreams(django_asgi_app)),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([*catalog_sockets, *ingest_sockets]))
        ),
    }
)

# The safety net for events the store lost: re-sync every RESYNC_EVERY_SECONDS (0: off).
schedule_periodic_resync()
