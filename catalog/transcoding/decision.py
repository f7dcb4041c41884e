"""Decide how a client with given capabilities gets a song: the file as it is, or an encode.

This is the rule behind OpenSubsonic's `getTranscodeDecision` (the client's ClientInfo: what it
plays directly, what it wants encodes in, in order, and each codec's limits), decided on top
of our own profiles: a target is possible only when one of our encoders makes it, within that
profile's bitrates. Bitrates are in bit/s here, as in the OpenSubsonic payloads. No Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from catalog.transcoding.profiles import PROFILES, Profile

HTTP = "http"
AUDIO_CODEC = "audiocodec"  # CodecProfile.type, compared in lower case
NO_PROFILE = "no compatible playback profile found"

# One name for what clients and our files call the same thing.
CONTAINER_ALIASES = {
    "m4a": "mp4",
    "m4b": "mp4",
    "mov": "mp4",
    "oga": "ogg",
    "opus": "ogg",
    "adts": "aac",
    "wave": "wav",
    "aif": "aiff",
    "mpeg": "mp3",
}
CODEC_ALIASES = {"mp4a": "aac", "mpeg": "mp3", "wav": "pcm"}
# The container each of our profiles writes, and the codec in it.
PROFILE_STREAMS = {
    "opus": ("ogg", "opus"),
    "mp3": ("mp3", "mp3"),
    "aac": ("aac", "aac"),
    "m4a": ("mp4", "aac"),
}
LOSSLESS_CODECS = {"flac", "pcm", "alac", "wavpack", "ape", "tta", "tak", "optimfrog", "dsd"}


def _container(name: str) -> str:
    name = name.strip().lower()
    return CONTAINER_ALIASES.get(name, name)


def _codec(name: str) -> str:
    name = name.strip().lower()
    return CODEC_ALIASES.get(name, name)


@dataclass(frozen=True)
class StreamDetails:
    """One audio stream as OpenSubsonic describes it (StreamDetails); bitrate in bit/s."""

    container: str
    codec: str
    bitrate: int = 0
    sample_rate: int = 0
    channels: int = 0
    bit_depth: int = 0
    protocol: str = HTTP

    @property
    def lossless(self) -> bool:
        return _codec(self.codec) in LOSSLESS_CODECS


@dataclass(frozen=True)
class DirectPlayProfile:
    """Files the client plays as they are; an empty list means any."""

    containers: tuple[str, ...] = ()
    codecs: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    max_channels: int = 0


@dataclass(frozen=True)
class TranscodingProfile:
    """One encode the client can play, in the client's order of preference."""

    container: str = ""
    codec: str = ""
    protocol: str = ""
    max_channels: int = 0


@dataclass(frozen=True)
class Limitation:
    """A limit on one property (audioBitrate, audioSamplerate, audioChannels, ...)."""

    name: str
    comparison: str  # Equals, NotEquals, LessThanEqual, GreaterThanEqual
    values: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class CodecProfile:
    type: str
    name: str
    limitations: tuple[Limitation, ...] = ()


@dataclass(frozen=True)
class ClientInfo:
    """What the client can play (OpenSubsonic ClientInfo); 0 bitrates mean no limit."""

    name: str = ""
    platform: str = ""
    max_bitrate: int = 0
    max_transcoding_bitrate: int = 0
    direct_play: tuple[DirectPlayProfile, ...] = ()
    transcoding: tuple[TranscodingProfile, ...] = ()
    codec_profiles: tuple[CodecProfile, ...] = ()

    def limitations(self, codec: str) -> list[Limitation]:
        return [
            limitation
            for profile in self.codec_profiles
            if profile.type.strip().lower() == AUDIO_CODEC and _codec(profile.name) == _codec(codec)
            for limitation in profile.limitations
        ]


@dataclass(frozen=True)
class Decision:
    """Direct play, an encode (`profile` at `kbps`), or neither with `error`."""

    source: StreamDetails
    direct_play: bool = False
    profile: Profile | None = None
    kbps: int = 0
    target: StreamDetails | None = None
    reasons: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def can_transcode(self) -> bool:
        return self.profile is not None


def decide(source: StreamDetails, client: ClientInfo) -> Decision:
    """Return direct play when a direct-play profile takes the file as it is (within the
    client's bitrate cap and its codec's required limits), else the first transcoding profile
    we can encode within the client's limits; the reasons say why each direct profile failed."""
    reasons: list[str] = []
    if client.max_bitrate and source.bitrate > client.max_bitrate:
        reasons.append("audio bitrate not supported")
    else:
        for profile in client.direct_play:
            reason = _direct_play_refusal(source, profile, client)
            if not reason:
                return Decision(source, direct_play=True)
            reasons.append(reason)
    for wanted in client.transcoding:
        encode = _encode_for(source, wanted, client)
        if encode is not None:
            profile, kbps, target = encode
            return Decision(source, profile=profile, kbps=kbps, target=target, reasons=reasons)
    return Decision(source, reasons=reasons, error=NO_PROFILE)


def _direct_play_refusal(
    source: StreamDetails, profile: DirectPlayProfile, client: ClientInfo
) -> str:
    """Return why this profile cannot play the file as it is, "" when it can."""
    protocols = {protocol.strip().lower() for protocol in profile.protocols}
    if protocols and not protocols & {HTTP, "*"}:
        return "protocol not supported"
    containers = {_container(name) for name in profile.containers}
    if containers and "*" not in containers and _container(source.container) not in containers:
        return "container not supported"
    codecs = {_codec(name) for name in profile.codecs}
    if codecs and "*" not in codecs and _codec(source.codec) not in codecs:
        return "audio codec not supported"
    if profile.max_channels and source.channels > profile.max_channels:
        return "audio channels not supported"
    for limitation in client.limitations(source.codec):
        if limitation.required and not _satisfies(_value(source, limitation.name), limitation):
            return f"{_spoken(limitation.name)} not supported"
    return ""


def _encode_for(
    source: StreamDetails, wanted: TranscodingProfile, client: ClientInfo
) -> tuple[Profile, int, StreamDetails] | None:
    """Return our profile, bitrate (kbit/s) and output for a wanted encode, None if we cannot."""
    if wanted.protocol.strip().lower() not in ("", HTTP, "*"):
        return None
    profile = _our_profile(wanted.container, wanted.codec)
    if profile is None:
        return None
    container, codec = PROFILE_STREAMS[profile.name]
    channels = min(source.channels or 2, 2)
    if wanted.max_channels and channels > wanted.max_channels:
        return None  # our encoders keep stereo stereo
    bitrate = client.max_transcoding_bitrate or profile.default_kbps * 1000
    if not source.lossless and source.bitrate:
        bitrate = min(bitrate, source.bitrate)  # more bits than the source holds add nothing
    if client.max_bitrate:
        bitrate = min(bitrate, client.max_bitrate)
    target = StreamDetails(
        container=_container(wanted.container) or container,
        codec=codec,
        bitrate=bitrate,
        sample_rate=profile.sample_rate(source.sample_rate or 44100),
        channels=channels,
    )
    for limitation in client.limitations(codec):
        target = _within(target, limitation)
        if target is None:
            return None
    kbps = target.bitrate // 1000
    if kbps < profile.min_kbps:
        return None
    kbps = min(kbps, profile.max_kbps)
    return profile, kbps, replace(target, bitrate=kbps * 1000)


def _our_profile(container: str, codec: str) -> Profile | None:
    """Return the profile that writes this container and codec (either may be left out)."""
    container, codec = _container(container), _codec(codec)
    for name, (our_container, our_codec) in PROFILE_STREAMS.items():
        if codec in ("", our_codec) and container in ("", our_container) and (codec or container):
            return PROFILES[name]
    return None


def _within(target: StreamDetails, limitation: Limitation) -> StreamDetails | None:
    """Bring the encode within a limitation (only its bitrate can move down), or None."""
    current = _value(target, limitation.name)
    if current is None or _satisfies(current, limitation):
        return target
    if limitation.name != "audioBitrate":
        return None  # our encoders fix the sample rate and channels by the source
    limits = _numbers(limitation.values)
    if limitation.comparison == "LessThanEqual" and limits:
        return replace(target, bitrate=limits[0])
    if limitation.comparison == "Equals":
        below = [limit for limit in limits if limit < current]
        return replace(target, bitrate=max(below)) if below else None
    return None


def _value(stream: StreamDetails, name: str) -> int | None:
    """Return a stream's value for a limitation's name; None for what we do not know."""
    value = {
        "audioBitrate": stream.bitrate,
        "audioSamplerate": stream.sample_rate,
        "audioChannels": stream.channels,
        "audioBitdepth": stream.bit_depth,
    }.get(name)
    return value or None


def _satisfies(value: int | None, limitation: Limitation) -> bool:
    """Tell whether a known value meets the limitation; an unknown one passes."""
    limits = _numbers(limitation.values)
    if value is None or not limits:
        return True
    match limitation.comparison:
        case "LessThanEqual":
            return value <= limits[0]
        case "GreaterThanEqual":
            return value >= limits[0]
        case "Equals":
            return value in limits
        case "NotEquals":
            return value not in limits
    return True


def _numbers(values: tuple[str, ...]) -> list[int]:
    numbers = []
    for value in values:
        try:
            numbers.append(int(str(value).strip()))
        except ValueError:
            continue
    return numbers


def _spoken(name: str) -> str:
    """audioSamplerate -> "audio samplerate", as the reasons read."""
    return "audio " + name.removeprefix("audio").lower()
