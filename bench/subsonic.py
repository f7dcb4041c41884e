"""Subsonic API latency at catalogue scale, through bench.scale's MEASURES hook.

Each call goes through the Subsonic view as an app's request does (token auth, the handler,
the JSON rendering), for a seeded listener given a Subsonic password, against the targets of
the Subsonic issue: search3 within the site search's target, a 500-song page of the
offline-sync search3 (empty query) under 100 ms, getAlbumList2 under 50 ms.
"""

from __future__ import annotations

import hashlib
import secrets

from bench.measures import Measure, ScaleContext, sample_ids, typo

SEARCH_TARGET_MS = 30.0
SYNC_PAGE_TARGET_MS = 100.0
ALBUM_LIST_TARGET_MS = 50.0
SYNC_PAGE = 500


def scale_measures(context: ScaleContext) -> list[Measure]:
    """Return the Subsonic measures for a seeded catalogue (see bench.scale)."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    from accounts.services import subsonic_password_reset
    from catalog.models import Song
    from library.models import Play
    from subsonic.dispatch import endpoint

    listener = (
        get_user_model().objects.filter(pk__in=Play.objects.values("user_id")[:1]).first()
        or get_user_model().objects.order_by("pk").first()
    )
    password = subsonic_password_reset(listener)
    factory = RequestFactory()

    def call(method: str, **params):
        def run():
            salt = secrets.token_hex(6)
            token = hashlib.md5((password + salt).encode(), usedforsecurity=False).hexdigest()
            query = {"u": listener.get_username(), "t": token, "s": salt, "f": "json", **params}
            response = endpoint(factory.get(f"/rest/{method}", query), method)
            if b'"status":"ok"' not in response.content[:200]:
                raise RuntimeError(f"{method} failed: {response.content[:300]!r}")
            return response

        return run

    titles = list(
        Song.objects.filter(pk__in=sample_ids(context, Song, 40)).values_list("title", flat=True)
    )
    queries = [*titles[:10], *(typo(context.random, title) for title in titles[10:20])]
    pages = [context.random.randint(0, max(context.songs // SYNC_PAGE - 1, 0)) for _ in range(10)]
    list_types = ["newest", "frequent", "recent", "starred", "highest", "random"]
    alphabetical = ["alphabeticalByName", "alphabeticalByArtist"]
    return [
        Measure(
            "subsonic search3: 20 songs, albums and artists",
            SEARCH_TARGET_MS,
            [call("search3", query=query) for query in queries or ["a"]],
            notes=["song titles, half with two letters swapped; through the whole view"],
        ),
        Measure(
            f"subsonic search3 offline sync: a {SYNC_PAGE}-song page",
            SYNC_PAGE_TARGET_MS,
            [
                call(
                    "search3",
                    query="",
                    songCount=SYNC_PAGE,
                    songOffset=page * SYNC_PAGE,
                    albumCount=0,
                    artistCount=0,
                )
                for page in pages
            ],
            notes=["pages at random offsets: OFFSET grows with the page number"],
        ),
        Measure(
            "subsonic getAlbumList2: 50 albums",
            ALBUM_LIST_TARGET_MS,
            [call("getAlbumList2", type=kind, size=50) for kind in list_types],
            notes=[f"types {', '.join(list_types)}"],
        ),
        Measure(
            "subsonic getAlbumList2: alphabetical pages",
            ALBUM_LIST_TARGET_MS,
            [
                call("getAlbumList2", type=kind, size=50, offset=offset)
                for kind in alphabetical
                for offset in (0, 500, 5000)
            ],
            notes=["the order is cached per catalogue version; warm-up pays the first sort"],
        ),
    ]
