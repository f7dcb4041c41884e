"""Read real encoded files in every supported format back through ``read_metadata``."""

import io
from pathlib import Path

import av
import numpy as np
import pytest
from mutagen.flac import FLAC
from mutagen.id3 import ID3, TCON, TDRC, TPE1, TRCK

from catalog.metadata import CoverArt, SongMetadata
from demo.audio_samples import (
    EXTRA_FORMATS,
    FORMATS,
    SUFFIXES,
    SampleTags,
    make_cover,
    make_large_flac,
    write_sample,
)
from ingest.tags import MetadataError, read_metadata

SECONDS = 2.0
COVER = make_cover((30, 120, 200), size=64, text="HL")
FULL_TAGS = SampleTags(
    title="  Neon Rain ",
    artists=("The Tidelines", "Simon & Garfunkel feat. Mara"),
    album="Harbour Lights",
    album_artist="Various Artists",
    track=3,
    track_total=12,
    disc=1,
    disc_total=2,
    year=2021,
    genres=("Synthpop", "Dream Pop"),
    lyrics="Neon rain on the harbour\nlights",
    cover=COVER,
)
STREAM = {
    "mp3": (44100, "mp3", "audio/mpeg"),
    "flac": (44100, "flac", "audio/flac"),
    "ogg": (44100, "vorbis", "audio/ogg"),
    "opus": (48000, "opus", "audio/ogg"),
    "m4a": (44100, "aac", "audio/mp4"),
}
OTHER_STREAMS = {
    "wav": ("pcm", "audio/wav"),
    "aiff": ("pcm", "audio/aiff"),
    "wv": ("wavpack", "audio/x-wavpack"),
    "wma": ("wma", "audio/x-ms-wma"),
    "alac": ("alac", "audio/mp4"),
}


class CountingReader(io.RawIOBase):
    """Wrap a binary file, counting the bytes handed out and remembering unsized reads."""

    def __init__(self, raw, name: str) -> None:
        self.raw = raw
        self.name = name
        self.bytes_read = 0
        self.unsized_reads = 0

    def read(self, size=-1):
        if size is None or size < 0:
            self.unsized_reads += 1
        data = self.raw.read(size)
        self.bytes_read += len(data)
        return data

    def seek(self, offset, whence=io.SEEK_SET):
        return self.raw.seek(offset, whence)

    def tell(self):
        return self.raw.tell()

    def seekable(self):
        return True

    def readable(self):
        return True


class FailingReader(CountingReader):
    """Raise ``error`` once more than ``limit`` bytes have been asked for."""

    def __init__(self, raw, name: str, limit: int, error: BaseException) -> None:
        super().__init__(raw, name)
        self.limit = limit
        self.error = error

    def read(self, size=-1):
        if self.bytes_read + max(size or 0, 0) > self.limit:
            raise self.error
        return super().read(size)


class ByteLimitExceeded(OSError):
    """An ingest bound as the range reader raises it: an OSError subclass mutagen would wrap."""

    ingest_limit = True


def read(path: Path) -> SongMetadata:
    with path.open("rb") as fileobj:
        return read_metadata(fileobj, path.name)


def read_bytes(data: bytes, name: str) -> SongMetadata:
    return read_metadata(io.BytesIO(data), name)


@pytest.fixture(scope="module")
def tagged(tmp_path_factory) -> dict[str, Path]:
    """Write one fully tagged file per format, shared by the tests that only read them."""
    folder = tmp_path_factory.mktemp("tagged")
    return {
        fmt: write_sample(folder / f"song.{fmt}", fmt, FULL_TAGS, seconds=SECONDS)
        for fmt in FORMATS
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_every_tag_field(tagged, fmt):
    metadata = read(tagged[fmt])

    assert metadata.title == "Neon Rain"
    assert metadata.artists == ("The Tidelines", "Simon & Garfunkel feat. Mara")
    assert metadata.album == "Harbour Lights"
    assert metadata.album_artist == "Various Artists"
    assert (metadata.track_number, metadata.track_total) == (3, 12)
    assert (metadata.disc_number, metadata.disc_total) == (1, 2)
    assert metadata.year == 2021
    assert metadata.genres == ("Synthpop", "Dream Pop")
    assert metadata.lyrics == "Neon rain on the harbour\nlights"


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_stream_facts(tagged, fmt):
    sample_rate, codec, mime_type = STREAM[fmt]

    metadata = read(tagged[fmt])

    assert metadata.duration == pytest.approx(SECONDS, abs=0.3)
    assert metadata.sample_rate == sample_rate
    assert metadata.channels == 2
    assert metadata.codec == codec
    assert metadata.mime_type == mime_type
    assert metadata.bitrate is not None and 32_000 < metadata.bitrate < 2_000_000


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_embedded_jpeg_cover(tagged, fmt):
    assert read(tagged[fmt]).cover == CoverArt(data=COVER, mime_type="image/jpeg")


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_embedded_png_cover(tmp_path, fmt):
    png = make_cover((10, 200, 10), size=48, fmt="PNG")
    path = write_sample(tmp_path / f"song.{fmt}", fmt, SampleTags(cover=png), seconds=1)

    assert read(path).cover == CoverArt(data=png, mime_type="image/png")


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_without_cover_has_none(tmp_path, fmt):
    path = write_sample(tmp_path / f"song.{fmt}", fmt, SampleTags(), seconds=1)

    metadata = read(path)

    assert metadata.cover is None
    assert metadata.title == "Neon Rain"
    assert metadata.artists == ("The Tidelines",)


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_without_tags_still_has_stream_facts(tmp_path, fmt):
    path = write_sample(tmp_path / f"bare.{fmt}", fmt, tags=None, seconds=SECONDS)

    metadata = read(path)

    assert metadata.title is None
    assert metadata.artists == ()
    assert metadata.album is None
    assert metadata.track_number is None
    assert metadata.year is None
    assert metadata.genres == ()
    assert metadata.cover is None
    assert metadata.duration == pytest.approx(SECONDS, abs=0.3)
    assert metadata.codec == STREAM[fmt][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_mono_files(tmp_path, fmt):
    path = write_sample(tmp_path / f"mono.{fmt}", fmt, SampleTags(), seconds=1, channels=1)

    assert read(path).channels == 1


@pytest.mark.parametrize("fmt", EXTRA_FORMATS)
def test_reads_tags_from_other_containers(tmp_path, fmt):
    codec, mime_type = OTHER_STREAMS[fmt]
    path = write_sample(tmp_path / f"song.{SUFFIXES.get(fmt, fmt)}", fmt, FULL_TAGS, seconds=1)

    metadata = read(path)

    assert metadata.title == "Neon Rain"
    assert metadata.artists == ("The Tidelines", "Simon & Garfunkel feat. Mara")
    assert metadata.album_artist == "Various Artists"
    assert metadata.track_number == 3
    assert (metadata.disc_number, metadata.disc_total) == (1, 2)
    assert metadata.year == 2021
    assert metadata.genres == ("Synthpop", "Dream Pop")
    assert metadata.cover == CoverArt(data=COVER, mime_type="image/jpeg")
    assert (metadata.codec, metadata.mime_type) == (codec, mime_type)
    assert metadata.duration == pytest.approx(1.0, abs=0.3)


def test_id3_values_are_split_stripped_and_deduplicated(tmp_path):
    path = write_sample(tmp_path / "song.mp3", "mp3", tags=None, seconds=1)
    id3 = ID3()
    id3.add(TPE1(encoding=3, text=["Ana; Bo ", " ana", "AC/DC", "Earth, Wind & Fire"]))
    id3.add(TCON(encoding=3, text=["(17)", "Pop/Dance; Rock", "Indie, Folk", ""]))
    id3.add(TDRC(encoding=3, text=["2019-05-03"]))
    id3.add(TRCK(encoding=3, text=[" 07 / 12 "]))
    id3.save(path, v2_version=4)

    metadata = read(path)

    assert metadata.artists == ("Ana", "Bo", "AC/DC", "Earth, Wind & Fire")
    assert metadata.genres == ("Rock", "Pop", "Dance", "Indie", "Folk")
    assert metadata.year == 2019
    assert (metadata.track_number, metadata.track_total) == (7, 12)


def test_vorbis_comments_use_separate_totals_and_blank_values_are_dropped(tmp_path):
    path = write_sample(tmp_path / "song.flac", "flac", tags=None, seconds=1)
    audio = FLAC(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags["TITLE"] = ["   "]
    audio.tags["ARTIST"] = ["Mara", "", "Mara"]
    audio.tags["TRACKNUMBER"] = ["5"]
    audio.tags["TOTALTRACKS"] = ["9"]
    audio.tags["DISCNUMBER"] = ["2/3"]
    audio.tags["DATE"] = ["20180101"]
    audio.save()

    metadata = read(path)

    assert metadata.title is None
    assert metadata.artists == ("Mara",)
    assert (metadata.track_number, metadata.track_total) == (5, 9)
    assert (metadata.disc_number, metadata.disc_total) == (2, 3)
    assert metadata.year == 2018


def test_front_cover_is_preferred_over_other_pictures(tmp_path):
    back = make_cover((0, 0, 0), size=32)
    path = write_sample(tmp_path / "song.flac", "flac", SampleTags(cover=COVER), seconds=1)
    audio = FLAC(path)
    front = audio.pictures[0]
    audio.clear_pictures()
    front.type, other = 4, type(front)()
    other.type, other.mime, other.data = 3, "", COVER
    front.data = back
    audio.add_picture(front)
    audio.add_picture(other)
    audio.save()

    assert read(path).cover == CoverArt(data=COVER, mime_type="image/jpeg")


def test_flac_bitrate_is_computed_from_the_file(tagged):
    metadata = read(tagged["flac"])

    audio_bits = (tagged["flac"].stat().st_size - len(COVER)) * 8
    assert metadata.bitrate == pytest.approx(audio_bits / SECONDS, rel=0.05)


def test_empty_file_is_rejected():
    with pytest.raises(MetadataError, match=r"^empty file \(0 bytes\)$"):
        read_bytes(b"", "song.mp3")


def test_text_file_named_mp3_is_rejected():
    with pytest.raises(MetadataError) as excinfo:
        read_bytes(b"Shopping list:\n- milk\n- eggs\n" * 20, "notes.mp3")

    assert str(excinfo.value) == (
        "not an audio file: it holds text, not audio (is 'notes.mp3' a song?)"
    )


def test_random_bytes_named_ogg_are_rejected():
    noise = np.random.default_rng(7).bytes(20_000)

    with pytest.raises(MetadataError) as excinfo:
        read_bytes(noise, "mystery.ogg")

    assert str(excinfo.value) == (
        "not an audio file: no known audio format found (is 'mystery.ogg' a song?)"
    )


def test_flac_cut_inside_its_tags_is_rejected(tagged):
    with pytest.raises(MetadataError, match=r"^truncated or corrupt FLAC: .*read \d+ bytes"):
        read_bytes(tagged["flac"].read_bytes()[:2000], "cut.flac")


def test_flac_cut_inside_its_audio_is_rejected(tmp_path):
    data = write_sample(tmp_path / "song.flac", "flac", SampleTags(), seconds=SECONDS).read_bytes()
    assert len(data) > 20_000

    for cut in (2000, len(data) // 2):
        with pytest.raises(MetadataError, match=r"^truncated or corrupt FLAC: the audio stops"):
            read_bytes(data[:cut], "cut.flac")


def test_flac_completeness_check_can_be_skipped(tmp_path):
    data = write_sample(tmp_path / "song.flac", "flac", SampleTags(), seconds=SECONDS).read_bytes()

    metadata = read_metadata(io.BytesIO(data[: len(data) // 2]), "cut.flac", check_complete=False)

    assert metadata.duration == pytest.approx(SECONDS)


@pytest.mark.parametrize("fmt", ["mp3", "ogg", "opus", "m4a"])
def test_lossy_files_cut_inside_their_tags_are_rejected(tagged, fmt):
    with pytest.raises(MetadataError, match=r"^truncated or corrupt (MP3|Ogg \w+|MP4): \w"):
        read_bytes(tagged[fmt].read_bytes()[:1500], f"cut.{fmt}")


def test_flac_of_unknown_length_is_timed_by_its_last_frame(tmp_path):
    path = write_sample(tmp_path / "stream.flac", "flac", SampleTags(), seconds=SECONDS)
    audio = FLAC(path)
    audio.info.total_samples = 0
    audio.save()

    assert read(path).duration == pytest.approx(SECONDS)


def test_flac_without_audio_frames_is_rejected(tmp_path):
    path = write_sample(tmp_path / "stream.flac", "flac", SampleTags(), seconds=SECONDS)
    audio = FLAC(path)
    audio.info.total_samples = 0
    audio.save()
    data = path.read_bytes()
    header_end = data.index(b"\xff\xf8", 42)

    with pytest.raises(MetadataError, match=r"^no audio stream \(duration is 0\)$"):
        read_bytes(data[:header_end], "stream.flac")


def test_video_without_sound_is_rejected():
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=1)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        for pts in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
            frame.pts = pts
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)

    with pytest.raises(MetadataError, match=r"^no audio stream \(the MP4 file has no sound"):
        read_bytes(buffer.getvalue(), "clip.mp4")


def test_flac_with_mp3_name_is_read_as_flac(tagged):
    metadata = read_bytes(tagged["flac"].read_bytes(), "misnamed.mp3")

    assert (metadata.codec, metadata.title) == ("flac", "Neon Rain")


def test_reads_only_the_tags_of_a_large_flac(tmp_path):
    cover = make_cover((90, 90, 90), size=320, noise=True)
    assert len(cover) >= 50_000
    path = make_large_flac(tmp_path / "large.flac", 3_000_000, SampleTags(cover=cover))
    assert path.stat().st_size >= 3_000_000

    with path.open("rb") as raw:
        reader = CountingReader(raw, path.name)
        metadata = read_metadata(reader, path.name)

    assert metadata.cover.data == cover
    assert reader.bytes_read <= 256 * 1024
    assert reader.unsized_reads == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_a_small_part_of_a_long_song(tmp_path, fmt):
    path = write_sample(tmp_path / f"long.{fmt}", fmt, SampleTags(cover=COVER), seconds=40)

    with path.open("rb") as raw:
        reader = CountingReader(raw, path.name)
        metadata = read_metadata(reader, path.name)

    assert metadata.duration == pytest.approx(40, abs=0.3)
    assert reader.bytes_read <= 160 * 1024
    assert reader.bytes_read <= path.stat().st_size * 0.25
    assert reader.unsized_reads == 0  # mutagen's own unsized reads are given a size


def bytes_needed(path: Path) -> int:
    with path.open("rb") as raw:
        reader = CountingReader(raw, path.name)
        read_metadata(reader, path.name)
    return reader.bytes_read


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("error_type", [TimeoutError, ByteLimitExceeded, MemoryError])
def test_reader_limit_errors_propagate_unchanged(tagged, fmt, error_type):
    needed = bytes_needed(tagged[fmt])

    for limit in (0, 100, needed // 2, needed - 1):
        error = error_type("ingest limit reached")
        with tagged[fmt].open("rb") as raw, pytest.raises(error_type) as excinfo:
            read_metadata(FailingReader(raw, f"song.{fmt}", limit, error), f"song.{fmt}")
        assert excinfo.value is error


@pytest.mark.parametrize("fmt", FORMATS)
def test_reader_network_errors_propagate_unchanged(tagged, fmt):
    error = ConnectionResetError("connection reset by peer")

    with tagged[fmt].open("rb") as raw, pytest.raises(ConnectionResetError) as excinfo:
        read_metadata(FailingReader(raw, f"song.{fmt}", 1000, error), f"song.{fmt}")

    assert excinfo.value is error
