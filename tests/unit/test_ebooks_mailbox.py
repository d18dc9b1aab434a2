"""The mailbox an address reaches: every spelling of one mailbox folds to one key (no AWS).

Limits and erasure use the key, so a reader cannot be locked out, and a sender cannot go
round the limit, by spelling an address differently.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from newsdesk.logic.ebooks.mailbox import EMAIL_PATTERN, mailbox_key, normalize_email

_ATOM = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8)
_LOCAL = st.lists(_ATOM, min_size=1, max_size=3).map(".".join)
_TAG = st.text(string.ascii_lowercase + string.digits + "-_", min_size=0, max_size=10)
_LABEL = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10)
_DOMAIN = st.tuples(_LABEL, st.sampled_from(["dk", "com", "org", "se"])).map(".".join)


def _case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))


@st.composite
def _spelling(draw: st.DrawFn, local: str, domain: str) -> str:
    """Another way to write local@domain that reaches the same mailbox."""
    tagged = local + ("+" + draw(_TAG) if draw(st.booleans()) else "")
    spaces = draw(st.sampled_from(["", " ", "\t"]))
    return f"{spaces}{_case(draw, tagged)}@{_case(draw, domain)}{spaces}"


@given(data=st.data(), local=_LOCAL, domain=_DOMAIN)
def test_case_tags_and_whitespace_fold_to_one_mailbox(
    data: st.DataObject, local: str, domain: str
) -> None:
    assume(domain.split(".", maxsplit=1)[0] not in {"gmail", "googlemail"})
    expected = f"{local}@{domain}"
    spelling = data.draw(_spelling(local, domain))
    assert mailbox_key(spelling) == expected
    assert mailbox_key(expected) == expected  # a key is its own mailbox


@given(data=st.data(), local=_LOCAL)
def test_gmail_ignores_dots_and_googlemail(data: st.DataObject, local: str) -> None:
    domain = data.draw(st.sampled_from(["gmail.com", "googlemail.com"]))
    undotted = local.replace(".", "")
    # Dots anywhere between letters: Gmail delivers every such spelling to one mailbox.
    dotted = data.draw(
        st.lists(st.booleans(), min_size=len(undotted), max_size=len(undotted)).map(
            lambda dots: "".join(
                c + ("." if dot and i < len(undotted) - 1 else "")
                for i, (c, dot) in enumerate(zip(undotted, dots, strict=True))
            )
        )
    )
    spelling = data.draw(_spelling(dotted, domain))
    assert mailbox_key(spelling) == f"{undotted}@gmail.com"


@given(local=_LOCAL, domain=_DOMAIN)
def test_dots_matter_outside_gmail(local: str, domain: str) -> None:
    assume("." in local and domain.split(".", maxsplit=1)[0] not in {"gmail", "googlemail"})
    assert mailbox_key(f"{local}@{domain}") != mailbox_key(f"{local.replace('.', '')}@{domain}")


def test_idn_domains_fold_to_punycode() -> None:
    assert mailbox_key("Anna@Blåbær.DK") == mailbox_key("anna@xn--blbr-roah.dk")
    assert mailbox_key("anna@blåbær.dk") == "anna@xn--blbr-roah.dk"
    assert normalize_email("anna@blåbær.dk") == "anna@xn--blbr-roah.dk"  # what SES gets


def test_a_bare_tag_is_kept() -> None:
    """`+x@…` has nothing before its tag: removing it would fold strangers together."""
    assert mailbox_key("+x@example.dk") == "+x@example.dk"
    assert mailbox_key("+x@example.dk") != mailbox_key("+y@example.dk")


@pytest.mark.parametrize(
    "address",
    [
        "=?utf-8?b?YQ0KYg==?=@example.dk",
        "=?iso-8859-1?q?=E6ble?=@example.dk",
        "a=?x?=@example.dk",
        '"anna"@example.dk',
        '"anna hansen"@example.dk',
        "anna(kommentar)@example.dk",
        "anna@example.dk(kommentar)",
        "anna@(kommentar)example.dk",
        "anna\\@x@example.dk",
        "anna hansen@example.dk",
        "anna\r\n@example.dk",
        "anna@example.dk\r\nBcc: x@example.dk",
        "anna\x00@example.dk",
    ],
)
def test_encoded_words_quotes_comments_and_controls_are_refused(address: str) -> None:
    with pytest.raises(ValueError, match="not accepted in an e-mail address"):
        normalize_email(address)
    with pytest.raises(ValueError, match="not accepted in an e-mail address"):
        mailbox_key(address)


@given(st.text(max_size=60))
def test_any_text_is_a_key_or_a_value_error(text: str) -> None:
    """Nothing a client sends makes the normaliser fail otherwise (no 500)."""
    try:
        key = mailbox_key(text)
    except ValueError:
        return
    assert key == key.strip().lower()
    assert key.isascii()
    assert mailbox_key(key) == key


_ADDRESSISH = st.builds(
    "{}{}@{}{}".format,
    st.sampled_from(["", " ", "\t", "\x1c", "\xa0"]),
    st.text(string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~.\"() ", max_size=8),
    st.lists(
        st.one_of(_LABEL, st.sampled_from(["test", "TEST", "local", "localhost", "onion", "arpa"])),
        max_size=3,
    ).map(".".join),
    st.sampled_from(["", " ", "\n", "\x1f", "\u2003"]),
)


@given(st.one_of(_ADDRESSISH, st.text(max_size=20)))
def test_the_documented_pattern_admits_every_address_we_accept(address: str) -> None:
    """The API document's `pattern` is a necessary condition: whatever it refuses, we refuse.

    (So a checker's invalid e-mail is never accepted; its valid ones, drawn from
    `format: email` within the pattern, are addresses we take.)
    """
    try:
        normalize_email(address)
    except ValueError:
        return
    assert re.search(EMAIL_PATTERN, address), address


@pytest.mark.parametrize(
    ("address", "admitted"),
    [
        ("laeser@example.dk", True),
        ("a!#{}~@sub.example.com", True),
        ("laeser@ballerup", False),  # no dot: not deliverable
        ("laeser@post.test", False),
        ("laeser@post.test ", False),
        (" laeser@example.dk\t", True),  # special-use names, any case
        ("laeser@post.LOCAL", False),
        ("laeser@testing.dk", True),
        ('"quoted"@example.dk', False),
        ("to@two@example.dk", False),
        ("=?&9@u.net", False),  # an encoded word's start
        ("a=b?@u.net", True),
    ],
)
def test_the_documented_pattern_refuses_special_use_and_dotless_domains(
    address: str, admitted: bool
) -> None:
    assert bool(re.search(EMAIL_PATTERN, address)) is admitted


def test_local_parts_over_64_characters_are_refused() -> None:
    """RFC 5321's limit: SES and mail servers refuse them, so the reader gets a 422, not a
    202 for a mail that never arrives (email_validator checks it only when strict)."""
    longest = "a" * 64 + "@example.dk"
    assert normalize_email(longest) == longest
    assert re.fullmatch(EMAIL_PATTERN, longest)
    with pytest.raises(ValueError, match="longer than 64 characters"):
        normalize_email("a" * 65 + "@example.dk")
    assert not re.fullmatch(EMAIL_PATTERN, "a" * 65 + "@example.dk")
