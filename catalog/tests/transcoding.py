"""Helpers shared by the transcoding tests: a longer real song, and decoding answers back."""

import io
from dataclasses import dataclass

import av
import pytest

from catalog.audio_samples import SampleTags
from catalog.models import Song

LONG_SECONDS = 20.0


@dataclass
class Decoded:
    container: str
    codec: str
    seconds: float
    kbps: float  # the bytes over the decoded duration: container overhead included


def decode(data: bytes) -> Decoded:
    """Decode an answer's bytes with FFmpeg (PyAV), every frame, as a player would."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        seconds = samples / stream.rate
        return Decoded(
            container.format.name,
            stream.codec_context.name,
            seconds,
            len(data) * 8 / seconds / 1000,
        )


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def long_flac(db, put_song, post_events, created) -> Song:
    """A 20-second FLAC (about 700 kbit/s), ingested through the webhook like any upload."""
    key, size = put_song(
        "music/long/river.flac", SampleTags(title="Long River", cover=None), seconds=LONG_SECONDS
    )
    response = post_events(created(key, size))
    assert response.status_code == 202, response.content
    return Song.objects.get(storage_key=key)
