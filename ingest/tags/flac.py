"""Tell a cut-off FLAC file from a whole one by the frame headers near its end.

STREAMINFO states the length up front whether or not the audio is all there; one small read
of the last frames (RFC 9639, section 9.1) says whether it is.
"""

import re

from mutagen.flac import FLAC, StreamInfo

from ingest.tags.errors import MetadataError

_FLAC_TAIL_NEAR = 4 * 1024
_FLAC_TAIL_SLACK = 64 * 1024  # room for an ID3v1 or APEv2 tag some taggers append to FLAC
_FLAC_TAIL_UNKNOWN_FRAMES = 1024 * 1024
_FLAC_TAIL_MAX_FRAMES = 2 * 1024 * 1024


def check_flac_complete(audio: FLAC, reader, size: int, duration: float) -> float:
    """Return the FLAC duration after checking that its last frame is present.

    STREAMINFO states the length up front, so a cut-off file still claims its full duration;
    the frame headers near the end tell the truth. A stream whose header leaves the length
    unknown gets it from its last frame instead.
    """
    info = audio.info
    if duration > 0 and not info.bitrate:
        raise MetadataError("truncated or corrupt FLAC: no audio frames after the tags")
    # Two of the largest frames hold the start of the last one; the header states the size,
    # so it is capped to keep a lying header from costing a large read. Most files end with
    # their last frame, and the few KiB past it cover an ID3v1 tag; the larger slack is read
    # only when that finds no last frame.
    frames = min(2 * info.max_framesize or _FLAC_TAIL_UNKNOWN_FRAMES, _FLAC_TAIL_MAX_FRAMES)
    for slack in (_FLAC_TAIL_NEAR, _FLAC_TAIL_SLACK):
        start = max(size - frames - slack, 0)
        reader.seek(start)
        last_sample = _flac_last_sample(reader.read(size - start), info)
        # (total_samples is 0 when the header leaves the length unknown.)
        if start == 0 or (last_sample or 0) >= max(info.total_samples, 1):
            break
    if info.total_samples == 0:
        return (last_sample or 0) / info.sample_rate
    if last_sample is None or last_sample < info.total_samples:
        raise MetadataError(
            f"truncated or corrupt FLAC: the audio stops before the {duration:.1f} s "
            "its header announces (the last frame is missing)"
        )
    return duration


def _flac_last_sample(data: bytes, info: StreamInfo) -> int | None:
    """Return the sample at which the last FLAC frame whose header is in ``data`` ends.

    When the stream length is known, only a frame that reaches it counts, so a chance sync
    pattern inside audio data can never make a complete file look cut short. Headers are
    tried from the end backwards, a slice at a time, which usually stops in the first slice.
    """
    latest = None
    end = len(data)
    while end > 0:
        start = max(end - _FLAC_SCAN_SLICE, 0)
        # Sync codes that start in [start, end); the last one may run one byte past it.
        offsets = [match.start() for match in _FLAC_SYNC.finditer(data, start, end + 1)]
        for offset in reversed(offsets):
            sample = _flac_frame_end(data, offset, info)
            if sample is None:
                continue
            if not info.total_samples or sample >= info.total_samples:
                return sample
            latest = max(latest or 0, sample)
        end = start
    return latest


_FLAC_SYNC = re.compile(rb"\xff[\xf8\xf9]")  # fixed or variable block size
_FLAC_SCAN_SLICE = 16 * 1024
_FLAC_SAMPLE_RATES = (
    0,
    88200,
    176400,
    192000,
    8000,
    16000,
    22050,
    24000,
    32000,
    44100,
    48000,
    96000,
)
_FLAC_SAMPLE_SIZES = (0, 8, 12, None, 16, 20, 24, 32)
_UTF8_LEAD = (
    (0x80, 0x00, 0),
    (0xE0, 0xC0, 1),
    (0xF0, 0xE0, 2),
    (0xF8, 0xF0, 3),
    (0xFC, 0xF8, 4),
    (0xFE, 0xFC, 5),
    (0xFF, 0xFE, 6),
)


def _flac_frame_end(data: bytes, offset: int, info: StreamInfo) -> int | None:
    """Parse the FLAC frame header at ``offset``; return the sample after its block, or None.

    The header must pass its CRC-8 and agree with STREAMINFO (RFC 9639, section 9.1).
    """
    try:
        variable = data[offset + 1] & 1
        block_code, rate_code = data[offset + 2] >> 4, data[offset + 2] & 0x0F
        channel_code, size_code = data[offset + 3] >> 4, (data[offset + 3] >> 1) & 0x07
        if block_code == 0 or rate_code == 15 or channel_code > 10 or data[offset + 3] & 1:
            return None
        channels = channel_code + 1 if channel_code < 8 else 2
        sample_size = _FLAC_SAMPLE_SIZES[size_code]
        if channels != info.channels or sample_size not in (0, info.bits_per_sample):
            return None
        coded = _flac_coded_number(data, offset + 4)
        if coded is None:
            return None
        number, position = coded
        if block_code == 6:
            block_size = data[position] + 1
            position += 1
        elif block_code == 7:
            block_size = int.from_bytes(data[position : position + 2], "big") + 1
            position += 2
        elif block_code == 1:
            block_size = 192
        elif block_code <= 5:
            block_size = 576 << (block_code - 2)
        else:
            block_size = 256 << (block_code - 8)
        if rate_code == 12:
            rate = data[position] * 1000
            position += 1
        elif rate_code in (13, 14):
            rate = int.from_bytes(data[position : position + 2], "big") * (
                1 if rate_code == 13 else 10
            )
            position += 2
        else:
            rate = _FLAC_SAMPLE_RATES[rate_code]
        if rate not in (0, info.sample_rate):
            return None
        if _crc8(data[offset:position]) != data[position]:
            return None
    except IndexError:
        return None
    first_sample = number if variable else number * info.max_blocksize
    return first_sample + block_size


def _flac_coded_number(data: bytes, position: int) -> tuple[int, int] | None:
    """Decode the UTF-8-style frame or sample number; return it and the position after it."""
    lead = data[position]
    found = next(((mask, n) for mask, value, n in _UTF8_LEAD if lead & mask == value), None)
    if found is None:
        return None
    mask, extra = found
    number = lead & ~mask & 0xFF
    for byte in data[position + 1 : position + 1 + extra]:
        if byte & 0xC0 != 0x80:
            return None
        number = (number << 6) | (byte & 0x3F)
    if position + 1 + extra > len(data):
        raise IndexError("frame header cut off")
    return number, position + 1 + extra


def _crc8(data: bytes) -> int:
    """Return the CRC-8 (polynomial 0x07) FLAC frame headers carry."""
    crc = 0
    for byte in data:
        crc = _CRC8_TABLE[crc ^ byte]
    return crc


def _crc8_of_byte(byte: int) -> int:
    crc = byte
    for _ in range(8):
        crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


_CRC8_TABLE = bytes(_crc8_of_byte(byte) for byte in range(256))
