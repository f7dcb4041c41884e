"""Generate real, small, tagged audio files for tests, benchmarks and the demo catalogue.

libsndfile (through soundfile) encodes FLAC and Ogg Vorbis (and WAV, AIFF); FFmpeg (through
PyAV) encodes MP3, Opus and AAC in MP4 (and ALAC, WavPack, WMA). Tags and cover art are
written with mutagen, in the layout real taggers use for each format. No Django imports.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import soundfile
from mutagen.aiff import AIFF
from mutagen.apev2 import BINARY, APEValue
from mutagen.asf import ASF, ASFByteArrayAttribute
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, USLT
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from mutagen.wavpack import WavPack
from PIL import Image, ImageDraw

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

# The semitone steps of a short arpeggio, so encoders see changing spectra, not one steady tone.
_MELODY_STEPS = (0, 4, 7, 12, 7, 4)
_NOTE_SECONDS = 0.25
_NOISE_LEVEL = 0.003


@dataclass(frozen=True)
class SampleTags:
    """Describe the tags to write into a sample file; None or empty means "leave it out"."""

    title: str | None = "Neon Rain"
    artists: tuple[str, ...] = ("The Tidelines",)
    album: str | None = "Harbour Lights"
    album_artist: str | None = None
    track: int | None = 1
    track_total: int | None = None
    disc: int | None = None
    disc_total: int | None = None
    year: int | None = 2021
    genres: tuple[str, ...] = ("Synthpop",)
    lyrics: str | None = None
    cover: bytes | None = None


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


def image_mime_type(data: bytes) -> str:
    """Return the MIME type of encoded image bytes, sniffed from their magic number."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"GIF8"):
        return "image/gif"
    return "image/jpeg"


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


def tag_audio(path: Path, fmt: str, tags: SampleTags) -> None:
    """Write ``tags`` (and the cover, if any) into the audio file at ``path`` with mutagen."""
    fmt = _check_format(fmt)
    if fmt in ("mp3", "wav", "aiff"):
        _tag_id3(Path(path), fmt, tags)
    elif fmt in ("m4a", "alac"):
        _tag_mp4(Path(path), tags)
    elif fmt == "wv":
        _tag_ape(Path(path), tags)
    elif fmt == "wma":
        _tag_asf(Path(path), tags)
    elif fmt == "flac":
        audio = FLAC(path)
        if audio.tags is None:
            audio.add_tags()
        _fill_vorbis_comment(audio.tags, tags)
        audio.clear_pictures()
        if tags.cover:
            audio.add_picture(_flac_picture(tags.cover))
        audio.save()
    else:
        audio = OggVorbis(path) if fmt == "ogg" else OggOpus(path)
        _fill_vorbis_comment(audio.tags, tags)
        if tags.cover:
            block = base64.b64encode(_flac_picture(tags.cover).write()).decode("ascii")
            audio.tags["METADATA_BLOCK_PICTURE"] = [block]
        audio.save()


def _tag_id3(path: Path, fmt: str, tags: SampleTags) -> None:
    """Write an ID3v2.4 tag (in a chunk for WAV and AIFF), replacing any the encoder left."""
    id3 = ID3()
    if tags.title:
        id3.add(TIT2(encoding=3, text=[tags.title]))
    if tags.artists:
        id3.add(TPE1(encoding=3, text=list(tags.artists)))
    if tags.album:
        id3.add(TALB(encoding=3, text=[tags.album]))
    if tags.album_artist:
        id3.add(TPE2(encoding=3, text=[tags.album_artist]))
    if tags.track:
        id3.add(TRCK(encoding=3, text=[_number_of(tags.track, tags.track_total)]))
    if tags.disc:
        id3.add(TPOS(encoding=3, text=[_number_of(tags.disc, tags.disc_total)]))
    if tags.year:
        id3.add(TDRC(encoding=3, text=[str(tags.year)]))
    if tags.genres:
        id3.add(TCON(encoding=3, text=list(tags.genres)))
    if tags.lyrics:
        id3.add(USLT(encoding=3, lang="eng", desc="", text=tags.lyrics))
    if tags.cover:
        id3.add(
            APIC(
                encoding=3,
                mime=image_mime_type(tags.cover),
                type=3,
                desc="Front cover",
                data=tags.cover,
            )
        )
    if fmt == "mp3":
        id3.save(path, v2_version=4)
        return
    audio = WAVE(path) if fmt == "wav" else AIFF(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    audio.tags.update(id3)
    audio.save(v2_version=4)


def _tag_ape(path: Path, tags: SampleTags) -> None:
    """Write an APEv2 tag; list values are stored NUL-separated, as the format defines."""
    audio = WavPack(path)
    if audio.tags is None:
        audio.add_tags()
    items = audio.tags
    items.clear()
    texts = {
        "Title": [tags.title] if tags.title else [],
        "Artist": list(tags.artists),
        "Album": [tags.album] if tags.album else [],
        "Album Artist": [tags.album_artist] if tags.album_artist else [],
        "Track": [_number_of(tags.track, tags.track_total)] if tags.track else [],
        "Disc": [_number_of(tags.disc, tags.disc_total)] if tags.disc else [],
        "Year": [str(tags.year)] if tags.year else [],
        "Genre": list(tags.genres),
        "Lyrics": [tags.lyrics] if tags.lyrics else [],
    }
    for key, values in texts.items():
        if values:
            items[key] = values
    if tags.cover:
        suffix = "png" if image_mime_type(tags.cover) == "image/png" else "jpg"
        items["Cover Art (Front)"] = APEValue(f"cover.{suffix}\0".encode() + tags.cover, BINARY)
    audio.save()


def _tag_asf(path: Path, tags: SampleTags) -> None:
    """Write ASF (WMA) attributes, the cover as a WM/Picture structure."""
    audio = ASF(path)
    attributes = audio.tags
    attributes.clear()
    texts = {
        "Title": [tags.title] if tags.title else [],
        "Author": list(tags.artists),
        "WM/AlbumTitle": [tags.album] if tags.album else [],
        "WM/AlbumArtist": [tags.album_artist] if tags.album_artist else [],
        "WM/TrackNumber": [str(tags.track)] if tags.track else [],
        "WM/PartOfSet": [_number_of(tags.disc, tags.disc_total)] if tags.disc else [],
        "WM/Year": [str(tags.year)] if tags.year else [],
        "WM/Genre": list(tags.genres),
        "WM/Lyrics": [tags.lyrics] if tags.lyrics else [],
    }
    for key, values in texts.items():
        if values:
            attributes[key] = values
    if tags.cover:
        picture = (
            struct.pack("<bI", 3, len(tags.cover))
            + f"{image_mime_type(tags.cover)}\0Front cover\0".encode("utf-16-le")
            + tags.cover
        )
        attributes["WM/Picture"] = [ASFByteArrayAttribute(picture)]
    audio.save()


def _tag_mp4(path: Path, tags: SampleTags) -> None:
    """Write iTunes-style MP4 atoms."""
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    atoms = audio.tags
    atoms.clear()
    if tags.title:
        atoms["\xa9nam"] = [tags.title]
    if tags.artists:
        atoms["\xa9ART"] = list(tags.artists)
    if tags.album:
        atoms["\xa9alb"] = [tags.album]
    if tags.album_artist:
        atoms["aART"] = [tags.album_artist]
    if tags.track:
        atoms["trkn"] = [(tags.track, tags.track_total or 0)]
    if tags.disc:
        atoms["disk"] = [(tags.disc, tags.disc_total or 0)]
    if tags.year:
        atoms["\xa9day"] = [str(tags.year)]
    if tags.genres:
        atoms["\xa9gen"] = list(tags.genres)
    if tags.lyrics:
        atoms["\xa9lyr"] = [tags.lyrics]
    if tags.cover:
        image_format = (
            MP4Cover.FORMAT_PNG
            if image_mime_type(tags.cover) == "image/png"
            else MP4Cover.FORMAT_JPEG
        )
        atoms["covr"] = [MP4Cover(tags.cover, imageformat=image_format)]
    audio.save()


def _fill_vorbis_comment(comment, tags: SampleTags) -> None:
    """Replace the fields of a Vorbis comment with ``tags``, keeping the encoder's vendor."""
    comment.clear()
    fields = {
        "TITLE": [tags.title] if tags.title else [],
        "ARTIST": list(tags.artists),
        "ALBUM": [tags.album] if tags.album else [],
        "ALBUMARTIST": [tags.album_artist] if tags.album_artist else [],
        "TRACKNUMBER": [str(tags.track)] if tags.track else [],
        "TRACKTOTAL": [str(tags.track_total)] if tags.track_total else [],
        "DISCNUMBER": [str(tags.disc)] if tags.disc else [],
        "DISCTOTAL": [str(tags.disc_total)] if tags.disc_total else [],
        "DATE": [str(tags.year)] if tags.year else [],
        "GENRE": list(tags.genres),
        "LYRICS": [tags.lyrics] if tags.lyrics else [],
    }
    for key, values in fields.items():
        if values:
            comment[key] = values


def _flac_picture(data: bytes) -> Picture:
    """Return a FLAC front-cover Picture block holding ``data``."""
    picture = Picture()
    picture.type = 3
    picture.mime = image_mime_type(data)
    picture.desc = "Front cover"
    picture.data = data
    try:
        with Image.open(io.BytesIO(data)) as image:
            picture.width, picture.height = image.size
            picture.depth = 8 * len(image.getbands())
    except OSError:
        logger.debug("cover is not an image Pillow reads; writing it without dimensions")
    return picture


def _number_of(number: int, total: int | None) -> str:
    """Format an ID3 position such as "3/12"."""
    return f"{number}/{total}" if total else str(number)


def write_sample(
    path: Path | str,
    fmt: str | None = None,
    tags: SampleTags | None = SampleTags(),
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
    tags: SampleTags | None = SampleTags(),
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
