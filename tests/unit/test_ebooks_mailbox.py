"""The mailbox an address reaches: every spelling of one mailbox folds to one key (no AWS).

Limits and erasure use the key, so a reader cannot be locked out, and a sender cannot go
round the limit, by spelling an address differently.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from newsdesk.logic.ebooks.mailbox import mailbox_key, normalize_email

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
