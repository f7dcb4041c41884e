"""/api/v1/songs/ as a listener sees it: their `liked` and `rating`, the `liked` filter."""

import pytest
from django.contrib.auth import get_user_model

from library.models import Like

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [song["title"] for song in response.json()["results"]]


def test_api_search_combines_with_liked(client, catalogue):
    user = get_user_model().objects.create_user("ana", password="pw-123456")
    halo = Like.objects.create(user=user, song_id=_song_id(client, "Halo")).song
    client.force_login(user)
    assert titles(client.get("/api/v1/songs/?search=beyonce&liked=true")) == [halo.title]


def _song_id(client, title: str) -> int:
    results = client.get(f"/api/v1/songs/?search={title}").json()["results"]
    return next(song["id"] for song in results if song["title"] == title)
