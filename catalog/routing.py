from django.urls import path

from catalog import consumers

websocket_urlpatterns = [
    path("ws/songs/", consumers.SongsConsumer.as_asgi()),
]
