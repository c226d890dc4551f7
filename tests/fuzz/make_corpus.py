#!/usr/bin/env python3
"""Writes the seed corpus of h2_connection_fuzz: a few valid client conversations.

Each seed is the bytes a client sends (preface, SETTINGS, HEADERS, ...) followed by the 4
trailer bytes the fuzz target reads as its knobs (options, chunking, handler mode, ending); zeros
mean default options, one Receive() call, the stream id picks the handler. Header blocks use
HPACK static-table entries and literals without Huffman (RFC 7541), so the seeds are readable.

    python3 tests/fuzz/make_corpus.py [OUT_DIR]   # default: tests/fuzz/corpus/h2_connection
"""

import os
import struct
import sys

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS, PADDED, PRIO = 0x1, 0x1, 0x4, 0x8, 0x20


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream & 0x7FFFFFFF) + payload


def settings(**entries):
    ids = {"header_table_size": 1, "enable_push": 2, "max_concurrent_streams": 3,
           "initial_window_size": 4, "max_frame_size": 5, "max_header_list_size": 6}
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", ids[k], v)
                                          for k, v in entries.items()))


def hpack_int(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def literal(name, value):
    """Literal without indexing, new name (RFC 7541 §6.2.2)."""
    n, v = name.encode(), value.encode()
    return b"\x00" + hpack_int(len(n), 7) + n + hpack_int(len(v), 7) + v


def indexed_name(index, value):
    """Literal with incremental indexing, indexed name (RFC 7541 §6.2.1)."""
    v = value.encode()
    return hpack_int(index, 6, 0x40) + hpack_int(len(v), 7) + v


def request(method="GET", path="/", extra=()):
    block = {"GET": b"\x82", "POST": b"\x83"}.get(method) or indexed_name(2, method)
    block += b"\x84" if path == "/" else indexed_name(4, path)
    block += b"\x86" + indexed_name(1, "example.com")  # :scheme http, :authority
    for name, value in extra:
        block += literal(name, value)
    return block


def window_update(stream, increment):
    return frame(WINDOW_UPDATE, 0, stream, struct.pack(">I", increment))


def knobs(options=0, chunking=0, handler=0, ending=0):
    # FuzzedDataProvider reads integers from the end: the last byte is the first knob.
    return bytes([ending, handler, chunking, options])


START = PREFACE + settings(initial_window_size=65535) + frame(SETTINGS, ACK, 0)

SEEDS = {
    "get": START + frame(HEADERS, END_HEADERS | END_STREAM, 1, request()) + knobs(),
    "post": START + frame(HEADERS, END_HEADERS, 1, request(
        "POST", "/upload", [("content-length", "11"), ("content-type", "text/plain")]))
    + frame(DATA, END_STREAM, 1, b"hello world") + knobs(),
    # Streams 1..15 reach every handler mode; a trailer block ends stream 5's body.
    "many_streams": START + b"".join(
        frame(HEADERS, END_HEADERS | END_STREAM, sid, request(path=f"/s{sid}"))
        for sid in (1, 3))
    + frame(HEADERS, END_HEADERS, 5, request("POST", "/t", [("te", "trailers")]))
    + frame(DATA, 0, 5, b"abc") + frame(HEADERS, END_HEADERS | END_STREAM, 5,
                                        literal("x-checksum", "1"))
    + b"".join(frame(HEADERS, END_HEADERS | END_STREAM, sid, request(path=f"/s{sid}"))
               for sid in (7, 9, 11, 13, 15))
    + frame(PING, 0, 0, b"12345678") + knobs(),
    "continuation": START + frame(HEADERS, END_STREAM, 1, request()[:3])
    + frame(CONTINUATION, 0, 1, request()[3:5])
    + frame(CONTINUATION, END_HEADERS, 1, request()[5:] + literal("cookie", "a=1")
            + literal("cookie", "b=2")) + knobs(),
    "reset": START + frame(HEADERS, END_HEADERS, 1, request("POST", "/r"))
    + frame(DATA, 0, 1, b"partial") + frame(RST_STREAM, 0, 1, struct.pack(">I", 8))
    + frame(HEADERS, END_HEADERS | END_STREAM, 3, request())
    + frame(GOAWAY, 0, 0, struct.pack(">II", 0, 0)) + knobs(),
    # Stream 3 gets the large response; the client opens its windows for it.
    "download": START + frame(HEADERS, END_HEADERS | END_STREAM, 3, request(path="/big"))
    + window_update(0, 1 << 20) + window_update(3, 1 << 20) + knobs(ending=1),
    "padded_priority": START + frame(HEADERS, END_HEADERS | PADDED | PRIO, 1,
                                     b"\x04" + struct.pack(">IB", 0, 15) + request() + b"\0" * 4)
    + frame(PRIORITY, 0, 1, struct.pack(">IB", 0, 31))
    + frame(HEADERS, END_HEADERS, 3, request("PUT", "/p", [("content-length", "4")]))
    + frame(DATA, PADDED | END_STREAM, 3, b"\x02" + b"body" + b"\0\0") + knobs(),
    # Tight options, input cut into small chunks, small output pulls.
    "tight_chunked": START + frame(HEADERS, END_HEADERS, 1, request(
        "POST", "/upload", [("content-length", "300")]))
    + frame(DATA, 0, 1, b"x" * 100) + frame(DATA, 0, 1, b"y" * 100)
    + frame(DATA, END_STREAM, 1, b"z" * 100) + frame(HEADERS, END_HEADERS | END_STREAM, 3, request())
    + knobs(options=0x07, chunking=7, handler=0, ending=0x06),
    # A header list over the 200-byte limit of option 0x08: 431.
    "header_limit": START + frame(HEADERS, END_HEADERS | END_STREAM, 1, request(
        extra=[("x-long", "v" * 150)])) + knobs(options=0x08),
    # Guards at 3 events (option 0x20): the fourth PING trips ENHANCE_YOUR_CALM.
    "ping_flood": START + frame(PING, 0, 0, b"12345678") * 5 + knobs(options=0x20),
    "head_request": START + frame(HEADERS, END_HEADERS | END_STREAM, 1, request("HEAD", "/h"))
    + frame(SETTINGS, 0, 0, b"") + knobs(ending=3),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "h2_connection")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
