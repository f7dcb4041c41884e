"""What each transcoding format is: codec, container, MIME type and the bitrates it allows.

Subsonic apps and the site's player name a format (`opus`, `mp3`, `aac`, `m4a`) and a
maximum bitrate in kbit/s; this table turns the pair into what FFmpeg needs. No Django imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class InvalidTranscode(ValueError):
    """A format, bitrate or offset no transcoding can honour; str() is the message to show."""


@dataclass(frozen=True)
class Profile:
    """One output format: the FFmpeg encoder and muxer, and the limits of its bitrate."""

    name: str
    codec: str  # FFmpeg encoder
    container: str  # FFmpeg muxer
    mime_type: str
    source_codec: str  # catalog.Song.codec of a file already in this format
    default_kbps: int
    min_kbps: int
    max_kbps: int
    sample_rates: tuple[int, ...]  # the first one is used when the source's rate is not here
    codec_options: dict[str, str] = field(default_factory=dict)
    container_options: dict[str, str] = field(default_factory=dict)

    def bitrate(self, max_kbps: int | None) -> int:
        """Return the bitrate in kbit/s to encode at: the cap asked for, within what we allow."""
        wanted = max_kbps or self.default_kbps
        return min(max(wanted, self.min_kbps), self.max_kbps)

    def sample_rate(self, source_rate: int) -> int:
        return source_rate if source_rate in self.sample_rates else self.sample_rates[0]


_MPEG_RATES = (44100, 48000, 32000, 24000, 22050, 16000)
_AAC_RATES = (44100, 48000, 32000, 24000, 22050, 16000, 12000, 11025, 8000)

PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            "opus",
            "libopus",
            "ogg",
            "audio/ogg",
            "opus",
            default_kbps=128,
            min_kbps=16,
            max_kbps=256,
            sample_rates=(48000,),
            # Constrained VBR keeps the size close to duration x bitrate, which
            # estimateContentLength announces.
            codec_options={"vbr": "constrained", "application": "audio"},
        ),
        Profile(
            "mp3",
            "libmp3lame",
            "mp3",
            "audio/mpeg",
            "mp3",
            default_kbps=192,
            min_kbps=32,
            max_kbps=320,
            sample_rates=_MPEG_RATES,
            container_options={"id3v2_version": "0"},
        ),
        Profile(
            "aac",
            "aac",
            "adts",
            "audio/aac",
            "aac",
            default_kbps=192,
            min_kbps=32,
            max_kbps=320,
            sample_rates=_AAC_RATES,
        ),
        # Fragmented MP4: playable while it is written, no index to patch at the end.
        Profile(
            "m4a",
            "aac",
            "mp4",
            "audio/mp4",
            "aac",
            default_kbps=192,
            min_kbps=32,
            max_kbps=320,
            sample_rates=_AAC_RATES,
            container_options={
                "movflags": "empty_moov+default_base_moof",
                "frag_duration": "1000000",  # a fragment a second (audio has no keyframes)
            },
        ),
    )
}
FORMATS = tuple(PROFILES)
RAW = "raw"
DEFAULT_FORMAT = "opus"


def profile_for(name: str) -> Profile:
    """Return the profile of a format name, or say which names there are."""
    profile = PROFILES.get(name.strip().lower())
    if profile is None:
        raise InvalidTranscode(f"Unknown format {name[:20]!r}: use {', '.join((*FORMATS, RAW))}.")
    return profile


def estimated_length(seconds: float, kbps: int) -> int:
    """Return the bytes an encode of `seconds` at `kbps` is announced as (Content-Length).

    A little over duration x bitrate, for container pages and headers: the answer is padded
    up to it (decoders skip trailing zeros), and cut there in the rare encode that runs over.
    """
    return int(max(seconds, 0.0) * kbps * 1000 / 8 * 1.02) + 4096
