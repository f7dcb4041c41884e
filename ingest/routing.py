from django.urls import path

from ingest import consumers

websocket_urlpatterns = [
    path("ws/ingest/", consumers.IngestConsumer.as_asgi()),
]
