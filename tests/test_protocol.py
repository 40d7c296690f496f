"""The wire format (mux.protocol): round trips of every message type, the size limits, validation of hostile input,
the handshake, and fuzzing of both decoders (whatever the bytes, `Decoder.feed` raises only ProtocolError)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mux import protocol
from mux.protocol import (
    CLIENT_MESSAGES,
    HEADER,
    MAX_CLIENT_FRAME,
    MAX_FRAME,
    MAX_PASTE,
    PROTOCOL_VERSION,
    SERVER_MESSAGES,
    Decoder,
    ProtocolError,
    client_decoder,
    encode,
    encode_client,
    encode_server,
    server_decoder,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------ helpers


def accepted_types(spec: Any) -> tuple[type, ...]:
    return spec if isinstance(spec, tuple) else (spec,)


SAMPLE = {str: "x é 漢 🙂", int: 7, bool: True, list: [1, "a", None, [2.5]], dict: {"k": [1, {"v": False}]},
          type(None): None}


def sample_message(kind: str, table: dict[str, dict[str, Any]], *, use_none: bool = False) -> dict[str, Any]:
    """A valid `kind` message: each field gets a value of its first accepted type (or None where accepted)."""
    message: dict[str, Any] = {"t": kind}
    for name, spec in table[kind].items():
        types = accepted_types(spec)
        message[name] = None if use_none and type(None) in types else SAMPLE[types[0]]
    return message


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def json_frame(value: Any) -> bytes:
    return frame(json.dumps(value).encode())


HELLO = protocol.hello(80, 24)
HELLO_FRAME = encode_client(HELLO)


def greeted_client_decoder() -> Decoder:
    """A server-side decoder past the handshake, so a bad frame is refused by validation, not the hello check."""
    decoder = client_decoder()
    assert decoder.feed(HELLO_FRAME) == [HELLO]
    return decoder


def assert_valid(message: Any, table: dict[str, dict[str, Any]]) -> None:
    """An independent check of what a decoder may return."""
    assert isinstance(message, dict)
    assert isinstance(message.get("t"), str) and message["t"] in table
    for name, spec in table[message["t"]].items():
        assert name in message
        value, types = message[name], accepted_types(spec)
        assert isinstance(value, types)
        if isinstance(value, bool):
            assert bool in types


def feed_all(decoder: Decoder, chunks: list[bytes]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(max(c, 0), len(data)) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


ALL_CLIENT = [sample_message(k, CLIENT_MESSAGES) for k in CLIENT_MESSAGES]
ALL_SERVER = [sample_message(k, SERVER_MESSAGES) for k in SERVER_MESSAGES]
CLIENT_STREAM_MESSAGES = [HELLO, *ALL_CLIENT, *(sample_message(k, CLIENT_MESSAGES, use_none=True)
                                                for k in CLIENT_MESSAGES)]
SERVER_STREAM_MESSAGES = [*ALL_SERVER, *(sample_message(k, SERVER_MESSAGES, use_none=True) for k in SERVER_MESSAGES)]
CLIENT_STREAM = b"".join(encode_client(m) for m in CLIENT_STREAM_MESSAGES)
SERVER_STREAM = b"".join(encode_server(m) for m in SERVER_STREAM_MESSAGES)

# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("use_none", [False, True])
@pytest.mark.parametrize("kind", sorted(CLIENT_MESSAGES))
def test_client_message_round_trip(kind, use_none):
    message = sample_message(kind, CLIENT_MESSAGES, use_none=use_none)
    decoder = greeted_client_decoder() if kind != "hello" else client_decoder()
    assert decoder.feed(encode_client(message)) == [message]
    assert decoder.buffered == 0


@pytest.mark.parametrize("use_none", [False, True])
@pytest.mark.parametrize("kind", sorted(SERVER_MESSAGES))
def test_server_message_round_trip(kind, use_none):
    message = sample_message(kind, SERVER_MESSAGES, use_none=use_none)
    decoder = server_decoder()
    assert decoder.feed(encode_server(message)) == [message]
    assert decoder.buffered == 0


def test_text_survives_the_trip():
    text = "a\x00b\x1b[31m\"\\/\n\t\u2028é漢🙂\U0010ffff" + "x" * 1000
    decoder = server_decoder()
    assert decoder.feed(encode_server({"t": "clipboard", "text": text})) == [{"t": "clipboard", "text": text}]


def test_unknown_fields_are_kept_and_ignored():
    message = {"t": "resize", "cols": 80, "rows": 24, "from_the_future": {"x": [1, 2]}}
    assert greeted_client_decoder().feed(encode_client(message)) == [message]


@pytest.mark.parametrize(("messages", "stream", "make"), [
    (CLIENT_STREAM_MESSAGES, CLIENT_STREAM, client_decoder),
    (SERVER_STREAM_MESSAGES, SERVER_STREAM, server_decoder),
], ids=["client", "server"])
def test_stream_fed_one_byte_at_a_time(messages, stream, make):
    decoder = make()
    got = feed_all(decoder, [stream[i:i + 1] for i in range(len(stream))])
    assert got == messages
    assert decoder.buffered == 0


@pytest.mark.parametrize(("messages", "make", "encoder"), [
    ([HELLO, {"t": "paste", "text": "héllo 🙂"}, {"t": "key", "key": "ctrl+b", "char": None}],
     client_decoder, encode_client),
    ([{"t": "welcome", "version": 1, "pid": 42}, {"t": "message", "text": "漢字"}, {"t": "bell"}],
     server_decoder, encode_server),
], ids=["client", "server"])
def test_frames_split_at_every_offset(messages, make, encoder):
    stream = b"".join(encoder(m) for m in messages)
    for i in range(len(stream) + 1):
        decoder = make()
        first = decoder.feed(stream[:i])
        assert first == messages[:len(first)]
        assert first + decoder.feed(stream[i:]) == messages, i
        assert decoder.buffered == 0


# ------------------------------------------------------------------ limits


@pytest.mark.parametrize("make", [client_decoder, server_decoder, greeted_client_decoder])
def test_oversized_header_is_refused_before_any_payload(make):
    decoder = make()
    with pytest.raises(ProtocolError):
        decoder.feed(HEADER.pack(decoder.max_frame + 1))
    assert decoder.buffered <= HEADER.size


@pytest.mark.parametrize("make", [client_decoder, server_decoder])
def test_oversized_header_fed_byte_by_byte(make):
    decoder = make()
    header = HEADER.pack(0xFFFFFFFF)
    for byte in header[:-1]:
        assert decoder.feed(bytes([byte])) == []
    with pytest.raises(ProtocolError):
        decoder.feed(header[-1:])
    assert decoder.buffered <= HEADER.size


@pytest.mark.parametrize("make", [client_decoder, server_decoder])
def test_header_at_the_limit_waits_for_its_payload(make):
    decoder = make()
    assert decoder.feed(HEADER.pack(decoder.max_frame) + b"{") == []
    assert decoder.buffered == HEADER.size + 1


def test_limits_are_consistent():
    assert MAX_PASTE < MAX_CLIENT_FRAME <= MAX_FRAME
    assert client_decoder().max_frame == MAX_CLIENT_FRAME
    assert server_decoder().max_frame == MAX_FRAME


def _paste_overhead() -> int:
    return len(encode_client({"t": "paste", "text": ""})) - HEADER.size


def test_client_frame_exactly_at_the_limit_round_trips():
    message = {"t": "paste", "text": "x" * (MAX_CLIENT_FRAME - _paste_overhead())}
    data = encode_client(message)
    assert len(data) == HEADER.size + MAX_CLIENT_FRAME
    assert greeted_client_decoder().feed(data) == [message]


def test_encode_refuses_an_oversized_client_message():
    with pytest.raises(ValueError):
        encode_client({"t": "paste", "text": "x" * (MAX_CLIENT_FRAME - _paste_overhead() + 1)})
    with pytest.raises(ValueError):     # the limit is on UTF-8 bytes, not characters
        encode_client({"t": "paste", "text": "é" * (MAX_CLIENT_FRAME // 2)})


def test_encode_refuses_an_oversized_server_message():
    with pytest.raises(ValueError):
        encode_server({"t": "clipboard", "text": "x" * MAX_FRAME})
    with pytest.raises(ValueError):
        encode({"t": "bell", "pad": "x" * 10}, max_frame=10)


@pytest.mark.parametrize("message", [{"t": "nope"}, {"t": "paste"}, {"t": "resize", "cols": True, "rows": 1}, []])
def test_encode_refuses_what_the_receiver_would_refuse(message):
    with pytest.raises(ValueError):
        encode_client(message)


@pytest.mark.parametrize("char", ["🙂", "\x01"])
def test_a_paste_of_max_paste_characters_fits_a_client_frame(char):
    encode_client({"t": "paste", "text": char * MAX_PASTE})


# ------------------------------------------------------------------ validation

WRONG_VALUES = [5, -1, 1.0, 1.5, "5", "true", "", True, False, None, [], [1], {}, {"a": 1}]


def _acceptable(value: Any, types: tuple[type, ...]) -> bool:
    return isinstance(value, types) and (not isinstance(value, bool) or bool in types)


def _field_cases(table: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    return [(kind, name) for kind, fields in sorted(table.items()) for name in fields]


def _refused(decoder: Decoder, data: bytes) -> None:
    with pytest.raises(ProtocolError):
        decoder.feed(data)


@pytest.mark.parametrize(("kind", "name"), _field_cases(CLIENT_MESSAGES))
def test_client_missing_field(kind, name):
    message = sample_message(kind, CLIENT_MESSAGES)
    del message[name]
    _refused(greeted_client_decoder() if kind != "hello" else client_decoder(), json_frame(message))


@pytest.mark.parametrize(("kind", "name"), _field_cases(SERVER_MESSAGES))
def test_server_missing_field(kind, name):
    message = sample_message(kind, SERVER_MESSAGES)
    del message[name]
    _refused(server_decoder(), json_frame(message))


def _wrong_values(spec: Any) -> list[Any]:
    """Every value of WRONG_VALUES the field must refuse: among them true/false for an int, 1/0 for a bool."""
    return [v for v in WRONG_VALUES if not _acceptable(v, accepted_types(spec))]


@pytest.mark.parametrize(("kind", "name"), _field_cases(CLIENT_MESSAGES))
def test_client_wrong_type(kind, name):
    values = _wrong_values(CLIENT_MESSAGES[kind][name])
    assert values
    for value in values:
        message = {**sample_message(kind, CLIENT_MESSAGES), name: value}
        _refused(greeted_client_decoder() if kind != "hello" else client_decoder(), json_frame(message))


@pytest.mark.parametrize(("kind", "name"), _field_cases(SERVER_MESSAGES))
def test_server_wrong_type(kind, name):
    values = _wrong_values(SERVER_MESSAGES[kind][name])
    assert values
    for value in values:
        message = {**sample_message(kind, SERVER_MESSAGES), name: value}
        _refused(server_decoder(), json_frame(message))


def test_bool_and_int_are_not_interchangeable():
    # the cases every table must reject, spelled out (bool is an int subclass in Python)
    _refused(greeted_client_decoder(), json_frame({"t": "resize", "cols": True, "rows": 24}))
    _refused(greeted_client_decoder(), json_frame({"t": "focus", "focused": 1}))
    _refused(server_decoder(), json_frame({"t": "layout", "session": "s", "windows": [], "cols": 1, "rows": 1,
                                           "panes": [], "separators": [], "active": False, "zoomed": False}))
    _refused(server_decoder(), json_frame({"t": "prompt", "kind": "search", "backward": 0}))


BAD_PAYLOADS = {
    "unknown type": json.dumps({"t": "nope"}).encode(),
    "numeric type": json.dumps({"t": 5}).encode(),
    "null type": json.dumps({"t": None}).encode(),
    "list type": json.dumps({"t": ["hello"]}).encode(),
    "no type": json.dumps({"version": 1}).encode(),
    "other direction": json.dumps({"t": "__class__"}).encode(),
    "list": b"[]",
    "list of hello": json.dumps([HELLO]).encode(),
    "number": b"5",
    "float": b"1e400",
    "nan": b"NaN",
    "string": b'"hello"',
    "null": b"null",
    "true": b"true",
    "empty": b"",
    "whitespace": b"   ",
    "invalid utf-8": b"\xff\xfe",
    "invalid utf-8 in string": b'{"t":"paste","text":"\xff"}',
    "overlong utf-8": b'{"t":"paste","text":"\xc0\xaf"}',
    "encoded surrogate": b'{"t":"paste","text":"\xed\xa0\x80"}',
    "truncated utf-8": b'{"t":"paste","text":"\xe6\xbc"}',
    "bom": b"\xef\xbb\xbf{}",
    "truncated json": b'{"t":"paste","text":"ab',
    "trailing data": json.dumps(HELLO).encode() + b"x",
    "two objects": json.dumps(HELLO).encode() * 2,
    "single quotes": b"{'t':'hello'}",
    "bad escape": b'{"t":"paste","text":"\\x41"}',
    "nested lists": b"[" * 100000,
    "nested objects": b'{"a":' * 100000,
    "closed nesting": b"[" * 100000 + b"]" * 100000,
    "deep field": b'{"t":"paste","text":"x","extra":' + b"[" * 50000 + b"]" * 50000 + b"}",
    "huge integer": b'{"t":"resize","cols":' + b"9" * 5000 + b',"rows":1}',
    "huge key": b'{"t":"resize","cols":1,"rows":1,"' + b"k" * 5000,
}


@pytest.mark.parametrize("payload", list(BAD_PAYLOADS.values()), ids=list(BAD_PAYLOADS))
@pytest.mark.parametrize("make", [client_decoder, greeted_client_decoder, server_decoder])
def test_bad_payload_is_a_protocol_error(make, payload):
    _refused(make(), frame(payload))


def test_moderate_nesting_inside_a_list_field_is_fine():
    value: Any = "leaf"
    for _ in range(200):
        value = [value]
    message = {"t": "command", "name": "x", "args": value}
    assert greeted_client_decoder().feed(encode_client(message)) == [message]


# ------------------------------------------------------------------ handshake


@pytest.mark.parametrize("kind", sorted(set(CLIENT_MESSAGES) - {"hello"}))
def test_first_client_message_must_be_hello(kind):
    _refused(client_decoder(), encode_client(sample_message(kind, CLIENT_MESSAGES)))


def test_hello_then_anything_in_the_same_chunk():
    stream = HELLO_FRAME + encode_client({"t": "list"}) + HELLO_FRAME
    assert client_decoder().feed(stream) == [HELLO, {"t": "list"}, HELLO]


def test_a_frame_before_hello_in_the_same_chunk_is_refused():
    _refused(client_decoder(), encode_client({"t": "list"}) + HELLO_FRAME)


def test_server_decoder_needs_no_hello():
    welcome = {"t": "welcome", "version": PROTOCOL_VERSION, "pid": 1}
    assert server_decoder().feed(encode_server(welcome)) == [welcome]
    _refused(server_decoder(), HELLO_FRAME)      # hello is not a server message


@pytest.mark.parametrize("version", [0, PROTOCOL_VERSION + 1, 10 ** 6, -1])
def test_hello_with_another_version_decodes(version):
    message = {"t": "hello", "version": version, "cols": 80, "rows": 24}
    decoder = client_decoder()
    assert decoder.feed(encode_client(message)) == [message]
    assert decoder.feed(encode_client({"t": "detach"})) == [{"t": "detach"}]    # the handshake is done


def test_hello_helper():
    assert protocol.hello(100, 30) == {"t": "hello", "version": PROTOCOL_VERSION, "cols": 100, "rows": 30}


@pytest.mark.parametrize("theirs", [0, PROTOCOL_VERSION + 1, 99])
def test_version_mismatch_text(theirs):
    text = protocol.version_mismatch(theirs, PROTOCOL_VERSION)
    assert "\n" not in text
    assert str(PROTOCOL_VERSION) in text and str(theirs) in text
    assert "kill-server" in text
    encode_server({"t": "error", "message": text})


def _server_answer_to_hello(version: int) -> tuple[str, SimpleNamespace]:
    from mux.server.server import Server

    sent: list[dict[str, Any]] = []
    client = SimpleNamespace(send=sent.append, flush=lambda: None, close_when_flushed=False, size=None)
    Server.on_hello(None, client, {"t": "hello", "version": version, "cols": 80, "rows": 24})  # type: ignore[arg-type]
    assert len(sent) == 1 and sent[0]["t"] == "error", sent
    encode_server(sent[0])
    return sent[0]["message"], client


def test_server_answers_a_newer_client_with_one_line_naming_both_versions():
    text, client = _server_answer_to_hello(PROTOCOL_VERSION + 1)
    assert "\n" not in text and "kill-server" in text
    assert str(PROTOCOL_VERSION) in text and str(PROTOCOL_VERSION + 1) in text
    assert client.close_when_flushed


def test_server_answers_an_older_client_with_one_line_naming_both_versions():
    text, client = _server_answer_to_hello(PROTOCOL_VERSION - 1)
    assert "\n" not in text and "kill-server" in text
    assert client.close_when_flushed
    assert str(PROTOCOL_VERSION - 1) in text and "speaks protocol" in text


# ------------------------------------------------------------------ encoding edge cases


@pytest.mark.parametrize("text", ["a\udcffb", "\ud800"])
def test_a_lone_surrogate_either_round_trips_or_is_refused_by_encode(text):
    message = {"t": "paste", "text": text}
    try:
        data = encode_client(message)
    except ValueError:
        return
    assert greeted_client_decoder().feed(data) == [message]


# ------------------------------------------------------------------ Hypothesis

json_leaf = (st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 63)
             | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
json_value = st.recursive(json_leaf, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c,
                                                                                      max_size=4), max_leaves=12)
FIELD_STRATEGY = {str: st.text(max_size=30), int: st.integers(-(2 ** 40), 2 ** 40), bool: st.booleans(),
                  list: st.lists(json_value, max_size=4), dict: st.dictionaries(st.text(max_size=8), json_value,
                                                                                max_size=4),
                  type(None): st.none()}


def message_strategy(table: dict[str, dict[str, Any]], kinds: list[str] | None = None) -> st.SearchStrategy:
    def one(kind: str) -> st.SearchStrategy:
        fields = {name: st.one_of(*(FIELD_STRATEGY[t] for t in accepted_types(spec)))
                  for name, spec in table[kind].items()}
        return st.fixed_dictionaries({"t": st.just(kind), **fields})

    return st.one_of(*(one(k) for k in (kinds or sorted(table))))


client_stream_strategy = st.tuples(message_strategy(CLIENT_MESSAGES, ["hello"]),
                                   st.lists(message_strategy(CLIENT_MESSAGES), max_size=6)).map(
    lambda pair: [pair[0], *pair[1]])
server_stream_strategy = st.lists(message_strategy(SERVER_MESSAGES), min_size=1, max_size=6)
DIRECTIONS = {
    "client": (client_decoder, encode_client, CLIENT_MESSAGES),
    "server": (server_decoder, encode_server, SERVER_MESSAGES),
}


@FUZZ
@given(data=st.data(), direction=st.sampled_from(sorted(DIRECTIONS)))
def test_fuzz_valid_streams_round_trip_in_any_chunks(data, direction):
    make, encoder, _ = DIRECTIONS[direction]
    messages = data.draw(client_stream_strategy if direction == "client" else server_stream_strategy)
    stream = b"".join(encoder(m) for m in messages)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=10))
    decoder = make()
    assert feed_all(decoder, split(stream, cuts)) == messages
    assert decoder.buffered == 0


def _feed_hostile(decoder: Decoder, chunks: list[bytes], table: dict[str, dict[str, Any]], hello_first: bool) -> None:
    """Feed until the decoder refuses; anything it returns before that must be valid."""
    got: list[dict[str, Any]] = []
    try:
        for chunk in chunks:
            got.extend(decoder.feed(chunk))
    except ProtocolError:
        pass
    for message in got:
        assert_valid(message, table)
    if hello_first and got:
        assert got[0]["t"] == "hello"
    assert decoder.buffered <= HEADER.size + decoder.max_frame


small_header = st.integers(0, 64).map(HEADER.pack)
garbage = st.lists(st.binary(max_size=64) | small_header | st.sampled_from([b"{", b"}", b'"t":', b'"hello"', b"[",
                                                                              b"\xff", b"null", b","]),
                   max_size=20).map(b"".join)


@FUZZ
@given(data=garbage, cuts=st.lists(st.integers(0, 2000), max_size=8), direction=st.sampled_from(sorted(DIRECTIONS)))
def test_fuzz_arbitrary_bytes_raise_only_protocol_error(data, cuts, direction):
    make, _, table = DIRECTIONS[direction]
    _feed_hostile(make(), split(data, cuts), table, hello_first=direction == "client")


@FUZZ
@given(data=st.binary(max_size=512), direction=st.sampled_from(sorted(DIRECTIONS)))
def test_fuzz_random_binary_in_one_chunk(data, direction):
    make, _, table = DIRECTIONS[direction]
    _feed_hostile(make(), [data], table, hello_first=direction == "client")


mutation = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 10 ** 6), st.just(0)),
    st.tuples(st.just("flip"), st.integers(0, 10 ** 6), st.integers(1, 255)),
    st.tuples(st.just("length"), st.integers(0, 10 ** 6), st.integers(0, 2 ** 32 - 1)),
    st.tuples(st.just("delete"), st.integers(0, 10 ** 6), st.integers(1, 8)),
    st.tuples(st.just("insert"), st.integers(0, 10 ** 6), st.integers(0, 255)),
)


def mutate(stream: bytes, mutations: list[tuple[str, int, int]]) -> bytes:
    data = bytearray(stream)
    for op, where, arg in mutations:
        at = where % (len(data) + 1)
        if op == "truncate":
            del data[at:]
        elif op == "flip" and at < len(data):
            data[at] ^= arg
        elif op == "length":
            data[at:at] = HEADER.pack(arg)
        elif op == "delete":
            del data[at:at + arg]
        elif op == "insert":
            data[at:at] = bytes([arg])
    return bytes(data)


@FUZZ
@given(data=st.data(), direction=st.sampled_from(sorted(DIRECTIONS)),
       mutations=st.lists(mutation, min_size=1, max_size=4))
def test_fuzz_mutated_valid_frames_raise_only_protocol_error(data, direction, mutations):
    make, encoder, table = DIRECTIONS[direction]
    messages = data.draw(client_stream_strategy if direction == "client" else server_stream_strategy)
    stream = mutate(b"".join(encoder(m) for m in messages), mutations)
    cuts = data.draw(st.lists(st.integers(0, len(stream)), max_size=6))
    _feed_hostile(make(), split(stream, cuts), table, hello_first=direction == "client")
