"""The fields apps show and sort by, on songs, albums and artists, when the catalogue has them."""

from catalog.models import Album, Artist, Song
from demo.audio_samples import SampleTags
from library.services import play_record


def test_song_fields_from_the_tags(sub, catalogue):
    neon = catalogue.songs["neon"]
    Song.objects.filter(pk=neon.pk).update(
        sort_title="Neon Rain (sort)",
        bit_depth=24,
        bpm=128,
        comment="Recorded live",
        musicbrainz_id="7a3e2b1c-0000-4000-8000-000000000001",
        isrc="GBAYE0000001; GBAYE0000002",
        replay_gain_track=-6.5,
        replay_gain_track_peak=0.98,
        replay_gain_album=-7.25,
    )
    play_record(sub.listener.user, neon)

    song = sub.call("getSong", id=f"tr-{neon.pk}")["song"]

    assert song["sortName"] == "Neon Rain (sort)"
    assert (song["bitDepth"], song["bpm"], song["comment"]) == (24, 128, "Recorded live")
    assert song["musicBrainzId"] == "7a3e2b1c-0000-4000-8000-000000000001"
    assert song["isrc"] == ["GBAYE0000001", "GBAYE0000002"]
    assert song["replayGain"] == {"trackGain": -6.5, "trackPeak": 0.98, "albumGain": -7.25}
    assert song["played"].endswith("Z")
    album_artist = catalogue.albums["harbour"].album_artist
    assert song["albumArtists"] == [{"id": f"ar-{album_artist.pk}", "name": album_artist.name}]
    assert song["displayAlbumArtist"] == "The Tidelines"


def test_songs_without_those_tags_leave_the_fields_out(sub, catalogue):
    song = sub.call("getSong", id=f"tr-{catalogue.songs['dune'].pk}")["song"]

    for name in ("sortName", "bitDepth", "bpm", "comment", "musicBrainzId", "replayGain", "played"):
        assert name not in song, name


def test_album_fields_from_the_tags(sub, catalogue):
    desert = catalogue.albums["desert"]
    Album.objects.filter(pk=desert.pk).update(
        sort_title="Desert Bloom, The",
        release_date="2019-05-17",
        original_release_date="1999",
        record_labels="Sand Records; Dune Music",
        release_types="album; live",
        musicbrainz_id="5b11f4ce-a62d-471e-81fc-a69a8278c7da",
    )
    play_record(sub.listener.user, catalogue.songs["dune"])

    album = sub.call("getAlbum", id=f"al-{desert.pk}")["album"]

    assert album["sortName"] == "Desert Bloom, The"
    assert album["releaseDate"] == {"year": 2019, "month": 5, "day": 17}
    assert album["originalReleaseDate"] == {"year": 1999}
    assert album["recordLabels"] == [{"name": "Sand Records"}, {"name": "Dune Music"}]
    assert album["releaseTypes"] == ["album", "live"]
    assert album["musicBrainzId"] == "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
    assert album["played"].endswith("Z")
    assert album["isCompilation"] is False


def test_tagged_and_various_artists_albums_are_compilations(sub, catalogue):
    desert = catalogue.albums["desert"]
    Album.objects.filter(pk=desert.pk).update(is_compilation=True)
    various = Artist.objects.create(name="Various Artists", name_key="various artists")
    Album.objects.filter(pk=catalogue.albums["harbour"].pk).update(album_artist=various)

    listed = sub.call("getAlbumList2", type="newest")["albumList2"]["album"]

    assert {album["name"]: album["isCompilation"] for album in listed} == {
        "Desert Bloom": True,
        "Harbour Lights": True,
    }


def test_artist_sort_names_order_the_index(sub, catalogue):
    mira = catalogue.artists["mira"]
    Artist.objects.filter(pk=mira.pk).update(
        sort_name="Sol, Mira", musicbrainz_id="0383dadf-2a4e-4d10-a46a-e9e041da8eb3"
    )

    artists = sub.call("getArtists")["artists"]["index"]
    artist = sub.call("getArtist", id=f"ar-{mira.pk}")["artist"]

    assert [(i["name"], [a["name"] for a in i["artist"]]) for i in artists] == [
        ("S", ["Mira Sol"]),
        ("T", ["The Tidelines"]),
    ]
    assert (artist["sortName"], artist["musicBrainzId"]) == (
        "Sol, Mira",
        "0383dadf-2a4e-4d10-a46a-e9e041da8eb3",
    )


def test_a_tagged_song_and_its_album_carry_those_fields_from_ingest(sub, db, request):
    put_song, post_events, created = (
        request.getfixturevalue(name) for name in ("put_song", "post_events", "created")
    )
    tags = SampleTags(
        title="Tide Table",
        album="Harbour Nights",
        title_sort="Tide Table (sort)",
        bpm=124,
        musicbrainz_track_id="7a3e2b1c-0000-4000-8000-000000000001",
        compilation=True,
        release_date="2019-05-17",
        labels=("Sand Records", "Dune Music"),
        track_gain=-6.5,
        track_peak=0.98,
        album_gain=-7.25,
        album_peak=0.99,
    )
    response = post_events(created(*put_song("music/tide-table.flac", tags, seconds=1)))
    assert response.status_code == 202, response.content
    song_id = Song.objects.get(storage_key="music/tide-table.flac").pk

    song = sub.call("getSong", id=f"tr-{song_id}")["song"]
    album = sub.call("getAlbum", id=song["albumId"])["album"]

    assert song["replayGain"] == {
        "trackGain": -6.5,
        "trackPeak": 0.98,
        "albumGain": -7.25,
        "albumPeak": 0.99,
    }
    assert (song["sortName"], song["bpm"], song["bitDepth"]) == ("Tide Table (sort)", 124, 16)
    assert song["musicBrainzId"] == "7a3e2b1c-0000-4000-8000-000000000001"
    assert album["releaseDate"] == {"year": 2019, "month": 5, "day": 17}
    assert album["recordLabels"] == [{"name": "Sand Records"}, {"name": "Dune Music"}]
    assert album["isCompilation"] is True
