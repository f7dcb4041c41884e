"""The play queue (by song id and by index), bookmarks, and players reporting their timeline."""

from datetime import timedelta

from library.models import Play


def _ids(elements) -> list[str]:
    return [element["id"] for element in elements]


def test_get_play_queue_answers_an_empty_queue_when_none_is_saved(sub, catalogue):
    for method, key in (("getPlayQueue", "playQueue"), ("getPlayQueueByIndex", "playQueueByIndex")):
        queue = sub.call(method)[key]

        assert queue["username"] == "ada"
        assert queue["changed"].endswith("Z")
        assert queue["changedBy"] == ""
        assert queue.get("entry", []) == []
        assert "current" not in queue and "currentIndex" not in queue


def test_a_queue_saved_by_index_keeps_a_song_queued_twice(sub, catalogue):
    neon, dune = (f"tr-{catalogue.songs[name].pk}" for name in ("neon", "dune"))
    queued = [neon, dune, neon]

    sub.call("savePlayQueueByIndex", id=queued, currentIndex=2, position=1500, c="Tempo")
    by_index = sub.call("getPlayQueueByIndex")["playQueueByIndex"]
    by_id = sub.call("getPlayQueue")["playQueue"]

    assert _ids(by_index["entry"]) == queued
    assert (by_index["currentIndex"], by_index["position"], by_index["changedBy"]) == (
        2,
        1500,
        "Tempo",
    )
    assert (by_id["current"], _ids(by_id["entry"])) == (neon, queued)


def test_a_queue_saved_by_song_id_answers_its_index(sub, catalogue):
    neon, dune = (f"tr-{catalogue.songs[name].pk}" for name in ("neon", "dune"))

    sub.call("savePlayQueue", id=[neon, dune], current=dune)

    assert sub.call("getPlayQueueByIndex")["playQueueByIndex"]["currentIndex"] == 1


def test_save_play_queue_by_index_refuses_an_index_outside_the_queue(sub, catalogue):
    neon = f"tr-{catalogue.songs['neon'].pk}"

    assert sub.error("savePlayQueueByIndex", id=[neon], currentIndex=1)["code"] == 0
    assert sub.error("savePlayQueueByIndex", id=[neon], currentIndex="x")["code"] == 0
    assert sub.error("savePlayQueueByIndex", id="tr-999999", currentIndex=0)["code"] == 70
    sub.call("savePlayQueueByIndex")
    assert sub.call("getPlayQueueByIndex")["playQueueByIndex"].get("entry", []) == []


def test_bookmarks_are_created_moved_listed_and_deleted(sub, catalogue):
    neon, dune = catalogue.songs["neon"], catalogue.songs["dune"]

    sub.call("createBookmark", id=f"tr-{neon.pk}", position=1000, comment="chorus")
    sub.call("createBookmark", id=f"tr-{dune.pk}", position=2000)
    sub.call("createBookmark", id=f"tr-{neon.pk}", position=3000, comment="bridge")
    marks = sub.call("getBookmarks")["bookmarks"]["bookmark"]

    assert [(m["entry"]["id"], m["position"], m.get("comment")) for m in marks] == [
        (f"tr-{neon.pk}", 3000, "bridge"),
        (f"tr-{dune.pk}", 2000, None),
    ]
    assert all(m["username"] == "ada" and m["created"].endswith("Z") for m in marks)
    sub.call("deleteBookmark", id=f"tr-{neon.pk}")
    assert _ids(m["entry"] for m in sub.call("getBookmarks")["bookmarks"]["bookmark"]) == [
        f"tr-{dune.pk}"
    ]


def test_bookmark_errors(sub, catalogue):
    neon = f"tr-{catalogue.songs['neon'].pk}"

    assert sub.error("createBookmark", id=neon)["code"] == 10
    assert sub.error("createBookmark", id="tr-999999", position=5)["code"] == 70
    assert sub.error("createBookmark", id=neon, position="soon")["code"] == 0
    assert sub.call("getBookmarks")["bookmarks"].get("bookmark", []) == []


def test_report_playback_shows_state_and_position_in_now_playing(sub, catalogue):
    neon = catalogue.songs["neon"]

    sub.call(
        "reportPlayback",
        mediaId=f"tr-{neon.pk}",
        mediaType="song",
        positionMs=0,
        state="starting",
        c="Tempo",
    )
    sub.call("reportPlayback", mediaId=f"tr-{neon.pk}", positionMs=800, state="paused", c="Tempo")
    entry = sub.call("getNowPlaying")["nowPlaying"]["entry"][0]

    assert (entry["id"], entry["playerName"]) == (f"tr-{neon.pk}", "Tempo")
    assert (entry["state"], entry["positionMs"]) == ("paused", 800)


def test_report_playback_stopped_records_a_play_when_enough_was_heard(sub, catalogue):
    neon = catalogue.songs["neon"]
    whole = int(neon.duration * 1000)
    report = {"mediaId": f"tr-{neon.pk}", "mediaType": "song", "c": "Tempo"}

    sub.call("reportPlayback", **report, positionMs=100, state="playing")
    sub.call("reportPlayback", **report, positionMs=100, state="stopped")
    sub.call("reportPlayback", **report, positionMs=whole, state="stopped", ignoreScrobble="true")
    assert Play.objects.count() == 0
    assert sub.call("getNowPlaying")["nowPlaying"].get("entry", []) == []

    sub.call("reportPlayback", **report, positionMs=whole - 10, state="stopped")
    assert Play.objects.get().song == neon


def test_report_playback_refuses_what_it_cannot_follow(sub, catalogue):
    neon = f"tr-{catalogue.songs['neon'].pk}"

    assert sub.error("reportPlayback", mediaId=neon, positionMs=1, state="rewinding")["code"] == 0
    assert sub.error("reportPlayback", mediaId=neon, state="playing")["code"] == 10
    assert (
        sub.error("reportPlayback", mediaId=neon, positionMs=1, state="playing", playbackRate="x")[
            "code"
        ]
        == 0
    )
    assert (
        sub.error(
            "reportPlayback", mediaId=neon, mediaType="podcast", positionMs=1, state="playing"
        )["code"]
        == 0
    )
    assert (
        sub.error("reportPlayback", mediaId="tr-999999", positionMs=1, state="playing")["code"]
        == 70
    )


def test_a_paused_player_stays_in_now_playing_only_while_it_reports(sub, catalogue):
    from django.utils import timezone

    from library.models import NowPlaying

    neon = f"tr-{catalogue.songs['neon'].pk}"
    sub.call("reportPlayback", mediaId=neon, positionMs=10, state="paused", c="Tempo")
    NowPlaying.objects.update(reported_at=timezone.now() - timedelta(minutes=6))

    assert sub.call("getNowPlaying")["nowPlaying"].get("entry", []) == []


def test_extensions_announce_the_index_queue_and_playback_reports(sub):
    names = {e["name"] for e in sub.call("getOpenSubsonicExtensions")["openSubsonicExtensions"]}

    assert {"indexBasedQueue", "playbackReport"} <= names


def _hide(song) -> None:
    song.hidden = True
    song.save(update_fields=["hidden"])


def test_a_queue_by_index_plays_the_same_song_after_an_earlier_one_is_hidden(sub, catalogue):
    neon, harbour, dune = (catalogue.songs[name] for name in ("neon", "harbour", "dune"))
    queued = [f"tr-{song.pk}" for song in (neon, harbour, dune)]
    sub.call("savePlayQueueByIndex", id=queued, currentIndex=2, position=5000)

    _hide(neon)

    by_index = sub.call("getPlayQueueByIndex")["playQueueByIndex"]
    by_id = sub.call("getPlayQueue")["playQueue"]
    assert _ids(by_index["entry"]) == queued[1:]
    assert (by_index["currentIndex"], by_index["position"]) == (1, 5000)
    assert (by_id["current"], by_id["position"]) == (f"tr-{dune.pk}", 5000)


def test_a_queue_whose_playing_song_is_hidden_resumes_the_next_from_its_start(sub, catalogue):
    neon, harbour, dune = (catalogue.songs[name] for name in ("neon", "harbour", "dune"))
    queued = [f"tr-{song.pk}" for song in (neon, harbour, dune)]
    sub.call("savePlayQueue", id=queued, current=queued[0], position=3000)

    _hide(neon)

    by_index = sub.call("getPlayQueueByIndex")["playQueueByIndex"]
    by_id = sub.call("getPlayQueue")["playQueue"]
    assert (by_index["currentIndex"], by_index["position"]) == (0, 0)
    assert (by_id["current"], by_id["position"]) == (f"tr-{harbour.pk}", 0)
    assert _ids(by_id["entry"]) == queued[1:]


def test_a_queue_whose_last_playing_song_is_deleted_resumes_the_one_before(sub, catalogue):
    neon, harbour = catalogue.songs["neon"], catalogue.songs["harbour"]
    sub.call("savePlayQueueByIndex", id=[f"tr-{neon.pk}", f"tr-{harbour.pk}"], currentIndex=1)

    harbour.delete()

    by_index = sub.call("getPlayQueueByIndex")["playQueueByIndex"]
    assert (_ids(by_index["entry"]), by_index["currentIndex"]) == ([f"tr-{neon.pk}"], 0)


def test_a_queue_of_hidden_songs_only_names_no_current_song(sub, catalogue):
    neon = catalogue.songs["neon"]
    sub.call("savePlayQueue", id=[f"tr-{neon.pk}"], current=f"tr-{neon.pk}")

    _hide(neon)

    by_id = sub.call("getPlayQueue")["playQueue"]
    assert "current" not in by_id and by_id.get("entry", []) == []
