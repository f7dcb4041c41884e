"""Helpers shared by the transcoding tests: a longer real song, and decoding answers back."""

import io
from dataclasses import dataclass
from pathlib import Path

import av
import boto3
import pytest
from django.core.files.storage import default_storage
from moto import mock_aws

from catalog.models import Song
from catalog.transcoding import ENCODE_SLOTS, TranscodeInterrupted
from demo.audio_samples import SampleTags

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


def read_until_cut(response) -> tuple[bytes, TranscodeInterrupted | None]:
    """Read a streamed answer as the server would send it: the bytes, then what cut it (if any)."""
    received = []
    try:
        for chunk in response.streaming_content:
            received.append(chunk)
    except TranscodeInterrupted as cut:
        return b"".join(received), cut
    return b"".join(received), None


@pytest.fixture
def long_flac(db, put_song, post_events, created) -> Song:
    """A 20-second FLAC (about 700 kbit/s), ingested through the webhook like any upload."""
    key, size = put_song(
        "music/long/river.flac", SampleTags(title="Long River", cover=None), seconds=LONG_SECONDS
    )
    response = post_events(created(key, size))
    assert response.status_code == 202, response.content
    return Song.objects.get(storage_key=key)


@pytest.fixture
def damaged_mp3(db, put_song, post_events, created) -> Song:
    """A 20-second MP3 whose middle eighth was zeroed after its upload, as a damaged file in the
    store: FFmpeg decodes its first seconds, then fails (about 8 seconds in)."""
    key, size = put_song(
        "music/damaged/track.mp3", SampleTags(title="Damaged", cover=None), seconds=LONG_SECONDS
    )
    response = post_events(created(key, size))
    assert response.status_code == 202, response.content
    path = Path(default_storage.path(key))
    data = bytearray(path.read_bytes())
    data[size // 2 : size // 2 + size // 8] = bytes(size // 8)
    path.write_bytes(bytes(data))
    return Song.objects.get(storage_key=key)


def _hold_the_only_encoder(settings, waiting: int):
    """Allow one encoder and `waiting` places in line behind it; take the encoder."""
    settings.TRANSCODE_MAX_ENCODES = 1
    settings.TRANSCODE_MAX_WAITING = waiting
    turn = ENCODE_SLOTS.reserve()
    assert turn.begin(timeout=0)
    return turn


@pytest.fixture
def encoder_held(settings):
    """Hold this process's only encoder, with one place in line behind it and no wait there."""
    settings.TRANSCODE_WAIT_SECONDS = 0
    turn = _hold_the_only_encoder(settings, waiting=1)
    yield turn
    turn.end()


@pytest.fixture
def encoders_busy(settings):
    """Hold this process's only encoder, with no room to wait behind it."""
    turn = _hold_the_only_encoder(settings, waiting=0)
    yield turn
    turn.end()


@pytest.fixture
def s3_bucket(settings, monkeypatch):
    """A moto S3 bucket as the default storage; yield its boto3 client."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="music-test")
        settings.AWS_STORAGE_BUCKET_NAME = "music-test"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage"},
        }
        yield client
