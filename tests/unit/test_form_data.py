"""A `multipart/form-data` body (a script's `new FormData(form)`) reads as the fields a browser
put in it, whatever text the reader typed: the e-book request takes it like the urlencoded form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from newsdesk.api.ebooks import _multipart_fields
from newsdesk.api.problems import ProblemError

BOUNDARY = "----WebKitFormBoundaryx7Qz9rT2mYp4Lk3A"  # pragma: allowlist secret
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"

# What a browser can put in a text field: any characters, line breaks normalised to CRLF.
values = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n")).map(
    lambda text: text.replace("\x0b", "\r\n")
)
names = st.sampled_from(["email", "newsletter", "website", "send", "side"])


def encode(fields: list[tuple[str, str]]) -> bytes:
    """As Chromium encodes it: quoted names, UTF-8 values, CRLF framing."""
    parts = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode()
        + b"\r\n"
        for name, value in fields
    )
    return parts + f"--{BOUNDARY}--\r\n".encode()


@given(st.lists(st.tuples(names, values), max_size=6))
def test_text_fields_read_back_as_sent(fields: list[tuple[str, str]]) -> None:
    assert _multipart_fields(CONTENT_TYPE, encode(fields)) == fields


def test_file_parts_are_left_out() -> None:
    body = encode([("email", "laeser@example.dk")]).replace(
        f"--{BOUNDARY}--".encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="cv"; filename="cv.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--{BOUNDARY}--".encode(),
    )
    assert _multipart_fields(CONTENT_TYPE, body) == [("email", "laeser@example.dk")]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", encode([("email", "a@example.dk")])),
        ("multipart/form-data; boundary=other", encode([("email", "a@example.dk")])),
        (CONTENT_TYPE, encode([("email", "l?ser@example.dk")]).replace(b"?", b"\xe6")),
        (CONTENT_TYPE + "\r\nX-Other: 1", encode([("email", "a@example.dk")])),
    ],
)
def test_what_is_not_form_data_is_a_400(content_type: str, body: bytes) -> None:
    with pytest.raises(ProblemError) as raised:
        _multipart_fields(content_type, body)
    assert raised.value.status == 400
    assert raised.value.code == "malformed-body"
