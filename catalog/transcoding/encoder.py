"""Decode any audio file with FFmpeg (PyAV) and encode it to one profile, a chunk at a time.
PyAV is imported by the first encode, not with the module: a process that never transcodes
(an ingest worker) does not carry it.

The muxer writes into a sink without `seek`, so FFmpeg produces a stream playable from its
first byte (no header patched at the end); each chunk is yielded as soon as it is muxed.
No Django imports.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from catalog.transcoding.profiles import Profile

if TYPE_CHECKING:
    import av

logger = logging.getLogger(__name__)

# The first chunk goes out as soon as there is one (time to first byte); later ones gather up to
# this size, so each write and wake-up carries a useful amount.
CHUNK_SIZE = 64 * 1024
INPUT_BUFFER = 256 * 1024

_runs = itertools.count()
_runs_lock = threading.Lock()
_run_total = 0


class EncodeFailed(Exception):
    """The source could not be decoded or the encoder refused it; str() says why."""


def encoder_runs() -> int:
    """Return how many encodes this process has started: a cache hit leaves it unchanged."""
    return _run_total


def _count_run() -> None:
    global _run_total
    with _runs_lock:
        _run_total = next(_runs) + 1


class _Sink:
    """A write-only file for the muxer: no seek, so it never rewrites what it already wrote."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def encode(
    source: str | BinaryIO, profile: Profile, kbps: int, offset: float = 0.0
) -> Iterator[bytes]:
    """Yield `source` re-encoded to `profile` at `kbps`, starting `offset` seconds in."""
    _count_run()
    produce = functools.partial(_encode_frames, profile=profile, kbps=kbps, offset=offset)
    yield from _pipeline(source, profile, produce, "the file cannot be transcoded")


def remux(encoded: BinaryIO, profile: Profile, offset: float) -> Iterator[bytes]:
    """Yield an encode already in `profile` from `offset` seconds on, copying its packets.

    A seek in a song whose whole encode is cached costs no encoding: the packets from the
    offset on go into a new stream of the same format, their timestamps moved to start at 0.
    """
    produce = functools.partial(_copy_packets, offset=offset)
    yield from _pipeline(encoded, profile, produce, "the cached encode cannot be cut")


def _pipeline(
    source: str | BinaryIO, profile: Profile, produce: Callable, failure: str
) -> Iterator[bytes]:
    """Open `source` and a `profile` muxer into a sink; yield what `produce` muxes, then the rest.

    `produce(inp, source_stream, output, sink)` decodes or copies into `output` and yields the
    sink's bytes as they gather; FFmpeg's errors become EncodeFailed("<failure>: <why>").
    """
    import av  # loaded by the first encode: PyAV and FFmpeg are ~22 MB of a process's memory

    try:
        inp = av.open(source, "r", buffer_size=INPUT_BUFFER)
    except (av.FFmpegError, OSError, ValueError) as error:
        raise EncodeFailed(f"{failure}: {error}") from error
    sink = _Sink()
    try:
        if not inp.streams.audio:
            raise EncodeFailed(f"{failure}: it holds no audio stream")
        output = av.open(sink, "w", format=profile.container, options={**profile.container_options})
        try:
            yield from produce(inp, inp.streams.audio[0], output, sink)
        finally:
            output.close()
        if sink.size:
            yield sink.take()
    except av.FFmpegError as error:
        raise EncodeFailed(f"{failure}: {error}") from error
    finally:
        inp.close()


def _encode_frames(inp, source_stream, output, sink, *, profile, kbps, offset) -> Iterator[bytes]:
    import av

    channels = min(source_stream.channels or 2, 2)
    rate = profile.sample_rate(source_stream.rate or 44100)
    stream = output.add_stream(
        profile.codec,
        rate=rate,
        layout="mono" if channels == 1 else "stereo",
        options={**profile.codec_options},
    )
    stream.codec_context.bit_rate = kbps * 1000
    resampler = av.AudioResampler(
        format=stream.codec_context.format, layout=stream.codec_context.layout, rate=rate
    )
    if offset > 0:
        # Seek to the last point at or before the offset, then drop decoded audio up to it.
        inp.seek(int(offset * av.time_base), backward=True, any_frame=False)
    first = True
    for frame in inp.decode(source_stream):
        if offset > 0:
            frame = _trim_before(frame, offset)
            if frame is None:
                continue
        frame.pts = None  # the encoder counts samples from zero: the output starts at the offset
        for resampled in resampler.resample(frame):
            for packet in stream.encode(resampled):
                output.mux(packet)
        if sink.size >= CHUNK_SIZE or (first and sink.size):
            first = False
            yield sink.take()
    for resampled in resampler.resample(None):
        for packet in stream.encode(resampled):
            output.mux(packet)
    for packet in stream.encode(None):
        output.mux(packet)


def _copy_packets(inp, source_stream, output, sink, *, offset) -> Iterator[bytes]:
    time_base = source_stream.time_base
    inp.seek(int(offset / time_base), stream=source_stream, backward=True)
    stream = output.add_stream_from_template(source_stream)
    shift = None
    for packet in inp.demux(source_stream):
        if packet.dts is None or packet.pts is None:
            continue  # the demuxer's end-of-stream marker
        if (packet.pts + (packet.duration or 0)) * time_base <= offset:
            continue
        if shift is None:
            shift = packet.pts
        packet.pts -= shift
        packet.dts -= shift
        packet.stream = stream
        output.mux(packet)
        if sink.size >= CHUNK_SIZE:
            yield sink.take()


def _trim_before(frame: av.AudioFrame, offset: float) -> av.AudioFrame | None:
    """Return the part of a decoded frame at or after `offset` seconds, or None before it."""
    import av

    if frame.pts is None or frame.time_base is None:
        return frame
    start = float(frame.pts * frame.time_base)
    end = start + frame.samples / frame.sample_rate
    if end <= offset:
        return None
    if start >= offset:
        return frame
    skip = int(round((offset - start) * frame.sample_rate))
    samples = frame.to_ndarray()
    planar = frame.format.is_planar
    kept = samples[:, skip:] if planar else samples[:, skip * len(frame.layout.channels) :]
    trimmed = av.AudioFrame.from_ndarray(kept, format=frame.format.name, layout=frame.layout)
    trimmed.sample_rate = frame.sample_rate
    return trimmed
