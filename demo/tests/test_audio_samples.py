"""The generated samples are real audio that independent decoders accept."""

import io

import av
import pytest
import soundfile
from mutagen.id3 import ID3
from PIL import Image

from demo.audio_samples import (
    EXTRA_FORMATS,
    FORMATS,
    SUFFIXES,
    SampleTags,
    encode_audio,
    make_cover,
    make_large_flac,
    write_sample,
)

SECONDS = 1.5


def decoded_samples(data: bytes) -> tuple[str, int, int]:
    """Decode every frame with FFmpeg; return the codec, sample rate and samples per channel."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return stream.codec_context.name, stream.codec_context.sample_rate, samples


@pytest.mark.parametrize("fmt", ["flac", "ogg"])
def test_libsndfile_formats_decode_to_the_requested_length(fmt):
    data = encode_audio(fmt, seconds=SECONDS, sample_rate=22050, channels=1)

    audio, sample_rate = soundfile.read(io.BytesIO(data))

    assert sample_rate == 22050
    assert audio.shape == (SECONDS * 22050,)
    assert 0.05 < abs(audio).max() < 1.0


@pytest.mark.parametrize(
    ("fmt", "codec", "sample_rate"),
    [("mp3", "mp3float", 44100), ("opus", "opus", 48000), ("m4a", "aac", 44100)],
)
def test_ffmpeg_formats_decode_to_about_the_requested_length(fmt, codec, sample_rate):
    name, rate, samples = decoded_samples(encode_audio(fmt, seconds=SECONDS))

    assert name == codec
    assert rate == sample_rate
    # Lossy encoders add priming and padding frames; a few thousand samples at most.
    assert samples == pytest.approx(SECONDS * sample_rate, abs=3000)


@pytest.mark.parametrize("fmt", EXTRA_FORMATS)
def test_extra_formats_decode(fmt):
    _, rate, samples = decoded_samples(encode_audio(fmt, seconds=SECONDS))

    assert samples == pytest.approx(SECONDS * rate, abs=3000)


def test_opus_uses_an_opus_sample_rate():
    _, rate, _ = decoded_samples(encode_audio("opus", seconds=0.5, sample_rate=44100))

    assert rate == 48000


def test_encoding_is_deterministic():
    assert encode_audio("flac", seconds=0.5) == encode_audio("flac", seconds=0.5)


def test_different_frequencies_give_different_audio():
    assert encode_audio("flac", seconds=0.5) != encode_audio("flac", seconds=0.5, frequency=330)


@pytest.mark.parametrize("fmt", FORMATS + EXTRA_FORMATS)
def test_write_sample_creates_folders_and_writes_a_decodable_file(tmp_path, fmt):
    path = tmp_path / "deep" / "folder" / f"song.{SUFFIXES.get(fmt, fmt)}"

    written = write_sample(path, fmt, SampleTags(cover=make_cover()), seconds=0.5)

    assert written == path
    assert decoded_samples(path.read_bytes())[2] > 0


def test_write_sample_takes_the_format_from_the_suffix(tmp_path):
    path = write_sample(tmp_path / "song.OGG", seconds=0.5)

    assert soundfile.info(str(path)).subtype == "VORBIS"


def test_write_sample_rejects_unknown_formats(tmp_path):
    with pytest.raises(ValueError, match="unsupported sample format 'xyz'"):
        write_sample(tmp_path / "song.xyz")


def test_mp3_tag_is_id3v24_with_one_frame_per_field(tmp_path):
    tags = SampleTags(artists=("A", "B"), track=2, track_total=9, cover=make_cover())
    path = write_sample(tmp_path / "song.mp3", tags=tags, seconds=0.5)

    id3 = ID3(path)

    assert id3.version == (2, 4, 0)
    assert id3["TPE1"].text == ["A", "B"]
    assert id3["TRCK"].text == ["2/9"]
    assert id3.getall("APIC")[0].type == 3


def test_covers_differ_by_colour_and_text():
    red, blue = make_cover((255, 0, 0)), make_cover((0, 0, 255))

    assert red != blue
    assert make_cover((255, 0, 0), text="A") != make_cover((255, 0, 0), text="B")
    assert red == make_cover((255, 0, 0))


@pytest.mark.parametrize(("fmt", "magic"), [("JPEG", b"\xff\xd8\xff"), ("PNG", b"\x89PNG")])
def test_cover_is_an_image_of_the_requested_size(fmt, magic):
    data = make_cover(size=120, fmt=fmt)

    assert data.startswith(magic)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (120, 120)


def test_noisy_cover_is_large():
    assert len(make_cover(size=320, noise=True)) > 50_000


def test_large_flac_is_about_the_target_size_and_decodes(tmp_path):
    path = make_large_flac(tmp_path / "large.flac", 4_000_000)

    info = soundfile.info(str(path))
    assert path.stat().st_size == pytest.approx(4_000_000, rel=0.02)
    assert info.format == "FLAC"
    assert info.duration > 10
    with soundfile.SoundFile(str(path)) as flac:
        flac.seek(info.frames - 1000)
        assert len(flac.read(1000)) == 1000
