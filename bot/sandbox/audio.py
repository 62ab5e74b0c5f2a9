"""How long an audio file lasts, read from its headers (WAV, and Ogg with Opus or Vorbis)."""

from __future__ import annotations

import math
import struct


def seconds(data: bytes) -> float | None:
    """The length of a WAV or Ogg (Opus, Vorbis) file in seconds; None for another format or
    a file too damaged to tell."""
    try:
        if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
            return _wav(data)
        if data[:4] == b"OggS":
            return _ogg(data)
    except (struct.error, IndexError, ZeroDivisionError):
        return None
    return None


def whole_seconds(length: float) -> int:
    """A length as a voice note's `duration`: whole seconds, rounded, at least 1."""
    return max(1, math.floor(length + 0.5))


def _wav(data: bytes) -> float | None:
    """Data size over byte rate, from the `fmt ` and `data` chunks (any codec of fixed rate)."""
    byte_rate = None
    position = 12
    while position + 8 <= len(data):
        chunk, size = data[position : position + 4], struct.unpack_from("<I", data, position + 4)[0]
        body = position + 8
        if chunk == b"fmt ":
            byte_rate = struct.unpack_from("<I", data, body + 8)[0]
        elif chunk == b"data":
            if not byte_rate:
                return None
            return min(size, len(data) - body) / byte_rate
        position = body + size + (size & 1)
    return None


def _ogg(data: bytes) -> float | None:
    """The last page's granule position (samples) over the sample rate, less Opus's pre-skip."""
    first_packet = _first_packet(data)
    if first_packet.startswith(b"OpusHead"):
        rate, skip = 48000, struct.unpack_from("<H", first_packet, 10)[0]
    elif first_packet.startswith(b"\x01vorbis"):
        rate, skip = struct.unpack_from("<I", first_packet, 12)[0], 0
    else:
        return None
    end = len(data)
    while (found := data.rfind(b"OggS", 0, end)) >= 0:
        granule = struct.unpack_from("<q", data, found + 6)[0]
        if data[found + 4] == 0 and granule >= 0:
            return max(0, granule - skip) / rate
        end = found
    return None


def _first_packet(data: bytes) -> bytes:
    """The start of the first page's body (where the codec's identification header is)."""
    segments = data[26]
    body = 27 + segments
    return data[body : body + sum(data[27:body])]
