"""The worker's two framings: LSP-style ``Content-Length`` headers (default) and
newline-delimited JSON (``--framing ndjson``). Encoders return bytes; decoders
take bytes as they arrive and return the complete messages."""

from __future__ import annotations

import json
from typing import Any, List

CONTENT_LENGTH = "content-length"
NDJSON = "ndjson"
FRAMINGS = (CONTENT_LENGTH, NDJSON)


def encode(message: Any, framing: str) -> bytes:
    """One message as the bytes of one frame."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if framing == NDJSON:
        # JSON text never contains a raw newline (json.dumps escapes it), so a line is one message.
        return body + b"\n"
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class FrameError(Exception):
    """The worker wrote bytes that are not a frame of the agreed framing."""


class Decoder:
    """Cuts a byte stream into messages of one framing."""

    def __init__(self, framing: str) -> None:
        if framing not in FRAMINGS:
            raise ValueError("framing must be one of %s, not %r" % (", ".join(FRAMINGS), framing))
        self.framing = framing
        self._buffer = bytearray()

    def feed(self, data: bytes) -> List[Any]:
        """Adds `data`; returns every message completed by it, in order."""
        self._buffer += data
        return self._lines() if self.framing == NDJSON else self._frames()

    def _lines(self) -> List[Any]:
        out = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                return out
            line = bytes(self._buffer[:end]).strip()
            del self._buffer[: end + 1]
            if line:
                out.append(_parse(line))

    def _frames(self) -> List[Any]:
        out = []
        while True:
            head_end = self._buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return out
            length = None
            for header in bytes(self._buffer[:head_end]).split(b"\r\n"):
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    try:
                        length = int(value.strip())
                    except ValueError:
                        raise FrameError("bad Content-Length header: %r" % header) from None
            if length is None:
                raise FrameError("frame without Content-Length: %r" % bytes(self._buffer[:head_end]))
            start = head_end + 4
            if len(self._buffer) < start + length:
                return out
            body = bytes(self._buffer[start : start + length])
            del self._buffer[: start + length]
            out.append(_parse(body))


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FrameError("frame is not UTF-8 JSON: %s" % error) from None
