"""Generate real, small, tagged audio files for tests, benchmarks and the demo catalogue.

libsndfile (through soundfile) encodes FLAC and Ogg Vorbis (and WAV, AIFF); FFmpeg (through
PyAV) encodes MP3, Opus and AAC in MP4 (and ALAC, WavPack, WMA). Tags and cover art are
written with mutagen, in the layout real taggers use for each format. No Django imports.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import zlib
from pathlib import Path

import av
import numpy as np
import soundfile
from PIL import Image, ImageDraw

# Tags are written by sample_tags; these names stay importable from here.
from demo.sample_tags import SampleTags, image_mime_type, tag_audio

__all__ = [
    "EXTRA_FORMATS",
    "FORMATS",
    "SUFFIXES",
    "SampleTags",
    "encode_audio",
    "image_mime_type",
    "make_cover",
    "make_large_flac",
    "synthesize",
    "tag_audio",
    "write_sample",
]

logger = logging.getLogger(__name__)

FORMATS = ("mp3", "flac", "ogg", "opus", "m4a")
# Less common containers, for testing each tag mapping: ID3 in WAV and AIFF, APEv2 in WavPack,
# ASF attributes in WMA, and MP4 atoms around ALAC ("alac" writes an .m4a file).
EXTRA_FORMATS = ("wav", "aiff", "wv", "wma", "alac")
SUFFIXES = {"alac": "m4a"}

# Opus only runs at these rates; any other request is synthesised at 48 kHz instead.
OPUS_SAMPLE_RATES = (8000, 12000, 16000, 24000, 48000)

# Which encoder writes which format: libsndfile for FLAC and Vorbis; FFmpeg (PyAV) for MP3
# (LAME at its fastest setting), Opus (libopus at complexity 0) and AAC in MP4, where it is
# three to four times faster than libsndfile's LAME and Opus on minutes of audio.
_SOUNDFILE_FORMATS = {
    "flac": ("FLAC", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
    "wav": ("WAV", "PCM_16"),
    "aiff": ("AIFF", "PCM_16"),
}
_PYAV_FORMATS = {
    "mp3": ("mp3", "libmp3lame", 128_000, {"compression_level": "9"}, {"id3v2_version": "0"}),
    "opus": ("ogg", "libopus", 96_000, {"compression_level": "0"}, {}),
    "m4a": ("ipod", "aac", 128_000, {"aac_coder": "fast"}, {"movflags": "+faststart"}),
    "alac": ("ipod", "alac", 0, {}, {"movflags": "+faststart"}),
    "wv": ("wv", "wavpack", 0, {}, {}),
    "wma": ("asf", "wmav2", 128_000, {}, {}),
}

DEFAULT_TAGS = SampleTags()

# The semitone steps of a short arpeggio, so encoders see changing spectra, not one steady tone.
_MELODY_STEPS = (0, 4, 7, 12, 7, 4)
_NOTE_SECONDS = 0.25
_NOISE_LEVEL = 0.003


def make_cover(
    color: tuple[int, int, int] = (200, 40, 90),
    size: int = 300,
    text: str | None = None,
    fmt: str = "JPEG",
    noise: bool = False,
) -> bytes:
    """Return an encoded square cover image; distinct colours or texts give distinct bytes.

    ``noise`` sprinkles deterministic pixel noise so the image compresses badly, for tests that
    need a large cover (a 320 px noisy JPEG is just over 50 KB).
    """
    image = Image.new("RGB", (size, size), color)
    if noise:
        rng = np.random.default_rng(zlib.crc32(bytes(color)) + size)
        pixels = np.asarray(image, dtype=np.int16) + rng.integers(-60, 60, (size, size, 3))
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    if text:
        draw = ImageDraw.Draw(image)
        draw.text((size // 10, size // 2), text, fill=(255, 255, 255))
    buffer = io.BytesIO()
    if fmt.upper() in ("JPEG", "JPG"):
        image.save(buffer, format="JPEG", quality=85)
    else:
        image.save(buffer, format=fmt)
    return buffer.getvalue()


def synthesize(
    seconds: float = 3.0,
    sample_rate: int = 44100,
    channels: int = 2,
    frequency: float = 440.0,
) -> np.ndarray:
    """Return a looping arpeggio with a little noise as float32 frames of shape (n, channels).

    One cycle of the melody is computed and tiled, so minutes of audio cost milliseconds;
    each note fades in and out, so the tiles join without clicks.
    """
    frames = max(1, round(seconds * sample_rate))
    note_frames = round(_NOTE_SECONDS * sample_rate)
    tau = np.arange(note_frames, dtype=np.float32) / sample_rate
    envelope = np.sin(np.pi * tau / _NOTE_SECONDS)
    rng = np.random.default_rng(round(frequency * 1000) + sample_rate)
    cycle = np.empty((note_frames * len(_MELODY_STEPS), channels), dtype=np.float32)
    for index, step in enumerate(_MELODY_STEPS):
        note = frequency * 2.0 ** (step / 12.0)
        rows = slice(index * note_frames, (index + 1) * note_frames)
        for channel in range(channels):
            cycle[rows, channel] = 0.3 * envelope * np.sin(2 * np.pi * note * tau + 0.3 * channel)
    cycle += rng.normal(0.0, _NOISE_LEVEL, cycle.shape).astype(np.float32)
    repeats = -(-frames // len(cycle))
    return np.tile(cycle, (repeats, 1))[:frames]


def encode_audio(
    fmt: str,
    seconds: float = 3.0,
    sample_rate: int = 44100,
    channels: int = 2,
    frequency: float = 440.0,
) -> bytes:
    """Return real encoded audio in ``fmt`` (one of FORMATS), without any tags.

    Opus is always encoded at an Opus rate: an unsupported ``sample_rate`` becomes 48 kHz.
    """
    fmt = _check_format(fmt)
    if fmt == "opus" and sample_rate not in OPUS_SAMPLE_RATES:
        sample_rate = 48000
    signal = synthesize(seconds, sample_rate, channels, frequency)
    if fmt in _PYAV_FORMATS:
        return _encode_with_pyav(fmt, signal, sample_rate)
    container, subtype = _SOUNDFILE_FORMATS[fmt]
    buffer = io.BytesIO()
    with soundfile.SoundFile(
        buffer, "w", sample_rate, channels, subtype=subtype, format=container
    ) as output:
        # libsndfile 1.2's Vorbis encoder crashes on very long single writes; feed it seconds.
        for start in range(0, len(signal), sample_rate):
            output.write(signal[start : start + sample_rate])
    return buffer.getvalue()


def _encode_with_pyav(fmt: str, signal: np.ndarray, sample_rate: int) -> bytes:
    """Encode float frames with FFmpeg through PyAV and return the file's bytes."""
    container_format, codec, bit_rate, codec_options, container_options = _PYAV_FORMATS[fmt]
    channels = signal.shape[1]
    layout = {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")
    # +faststart rewrites the file to put the MP4 index first, which FFmpeg does only on a
    # named file, so every PyAV encoding goes through a temporary one.
    with tempfile.TemporaryDirectory(prefix="audio-sample-") as folder:
        target = Path(folder) / f"sample.{fmt}"
        options = {"fflags": "+bitexact", **container_options}
        with av.open(str(target), "w", format=container_format, options=options) as output:
            stream = output.add_stream(
                codec, rate=sample_rate, layout=layout, options=codec_options
            )
            if bit_rate:
                stream.codec_context.bit_rate = bit_rate
            for start in range(0, len(signal), sample_rate):
                chunk = np.ascontiguousarray(signal[start : start + sample_rate].T)
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
                frame.sample_rate = sample_rate
                for packet in stream.encode(frame):
                    output.mux(packet)
            for packet in stream.encode(None):
                output.mux(packet)
        return target.read_bytes()


def write_sample(
    path: Path | str,
    fmt: str | None = None,
    tags: SampleTags | None = DEFAULT_TAGS,
    seconds: float = 3.0,
    **encode_kwargs,
) -> Path:
    """Write a tagged sample file at ``path`` and return the path; ``tags=None`` writes none.

    The format comes from the suffix when ``fmt`` is None; parent folders are created.
    """
    path = Path(path)
    fmt = _check_format(fmt or path.suffix.lstrip("."))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_audio(fmt, seconds=seconds, **encode_kwargs))
    if tags is not None:
        tag_audio(path, fmt, tags)
    return path


def make_large_flac(
    path: Path | str,
    target_bytes: int,
    tags: SampleTags | None = DEFAULT_TAGS,
    sample_rate: int = 44100,
    channels: int = 2,
) -> Path:
    """Write a real FLAC of about ``target_bytes`` (within a few frames) and return its path.

    The audio is loud white noise, which FLAC cannot compress, so the size grows with the
    duration at close to the PCM rate; one noise block is generated once and written over and
    over, keeping memory flat and the run fast (about 1 s for 30 MB).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tag_bytes = 8192 + (len(tags.cover) if tags and tags.cover else 0)
    audio_target = max(target_bytes - tag_bytes, 1)
    rng = np.random.default_rng(target_bytes)
    block = rng.integers(-(2**14), 2**14, size=(sample_rate, channels), dtype=np.int16)
    with soundfile.SoundFile(
        path, "w", samplerate=sample_rate, channels=channels, format="FLAC", subtype="PCM_16"
    ) as flac:
        while True:
            flac.write(block)
            # libFLAC writes each frame as it is encoded, so the size on disk tracks progress.
            if os.path.getsize(path) >= audio_target:
                break
    if tags is not None:
        tag_audio(path, "flac", tags)
    return path


def _check_format(fmt: str) -> str:
    """Return ``fmt`` lower-cased, or raise ValueError if no encoder here writes it."""
    fmt = fmt.lower()
    if fmt not in FORMATS + EXTRA_FORMATS:
        known = FORMATS + EXTRA_FORMATS
        raise ValueError(f"unsupported sample format {fmt!r}; expected one of {known}")
    return fmt
