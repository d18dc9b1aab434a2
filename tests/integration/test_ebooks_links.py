"""The links a reader opens from an e-book mail, as a browser and as an API client (moto).

Browsers (Accept prefers text/html) get a small Danish page for every outcome; API clients
keep JSON and problem documents. Only POSTs change anything; withdrawal deletes consent.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from newsdesk import config
from newsdesk.api.ebook_pages import prefers_html
from newsdesk.api.ebooks import MAX_BODY_BYTES
from newsdesk.logic.ebooks import policy
from newsdesk.logic.ebooks.erasure import erase_reader

from infra.local.httpapi import request_event
from tests.integration import test_ebooks as flow
from tests.integration.test_ebooks import (
    EBOOK_ID,
    READER,
    FakeClock,
    _Context,
    consents,
    download_link,
    newsletter_mail,
    request_book,
    scan_all,
)

# The e-book flow's fixtures (moto with the e-book, a hand-moved clock, the app's client).
ebook_aws, clock, app, client = flow.ebook_aws, flow.clock, flow.app, flow.client

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"}
PAGE_URL = "https://www.example.dk/e-boeger/{ebook_id}"


class _Page(HTMLParser):
    """What a page is made of: its language, headings, forms, links and anything external."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.viewport = False
        self.headings: list[str] = []
        self.forms: list[dict[str, str | None]] = []
        self.buttons = 0
        self.links: list[str] = []
        self.external: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "meta" and attributes.get("name") == "viewport":
            self.viewport = True
        if tag == "h1":
            self._in_h1 = True
        if tag == "form":
            self.forms.append(attributes)
        if tag == "button":
            self.buttons += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(str(attributes["href"]))
        if tag in {"script", "img", "link", "iframe"} or attributes.get("src"):
            self.external.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.headings.append(data.strip())


def page_of(response: Any, status: int) -> _Page:
    """The parsed page, after checking what every page must be."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"  # docs/api.md: never framed
    parsed = _Page()
    parsed.feed(response.text)
    assert parsed.lang == "da"
    assert parsed.viewport  # readable on a phone
    assert parsed.external == []  # no scripts, images, fonts or style sheets from anywhere
    assert len(parsed.headings) == 1
    return parsed


@pytest.fixture
def page_url(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("EBOOK_PAGE_URL", PAGE_URL)
    config.settings.cache_clear()
    return PAGE_URL.format(ebook_id=EBOOK_ID)


def token_of(path: str) -> str:
    return parse_qs(urlsplit(path).query)["token"][0]


# --- content negotiation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER["accept"], True),
        ("text/html", True),
        ("text/*", True),
        ("application/json, text/html;q=0.5", False),
        ("text/html;q=0.5, application/problem+json", False),
        ("application/json", False),
        ("*/*", False),
        ("", False),
        (None, False),
        ("text/html;q=0", False),
        ("text/html;q=abc", False),
    ],
)
def test_html_only_when_preferred(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html


# --- download link outcomes -------------------------------------------------------------------


def test_expired_link_page_offers_a_new_one(
    client: TestClient, clock: FakeClock, page_url: str
) -> None:
    link = download_link(client)
    clock.advance(policy.LINK_LIFETIME)
    page = page_of(client.get(link, headers=BROWSER), 410)
    assert page.headings == ["Linket er udløbet"]
    assert page.links == [page_url]
    problem = client.get(link)  # an API client keeps the problem document
    assert problem.status_code == 410
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["type"].endswith("/link-expired")
    assert problem.headers["referrer-policy"] == "no-referrer"


def test_used_up_link_page(client: TestClient, page_url: str) -> None:
    link = download_link(client)
    for _ in range(policy.LINK_MAX_USES):
        assert client.get(link, headers=BROWSER).status_code == 302  # a browser still downloads
    page = page_of(client.get(link, headers=BROWSER), 410)
    assert page.headings == ["Linket er brugt op"]
    assert page.links == [page_url]


def test_head_of_a_download_link_spends_nothing(client: TestClient, clock: FakeClock) -> None:
    """HEAD is safe (RFC 9110): link checkers send it, whatever their Accept."""
    from newsdesk.api.ebooks import get_clock
    from newsdesk.handlers import api

    link = download_link(client)
    overrides = api.asgi_adapter().app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_clock] = lambda: clock
    try:
        responses = [
            api.handler(request_event("HEAD", link, headers={"accept": a}), _Context())  # type: ignore[arg-type]
            for a in ("*/*", "application/json", BROWSER["accept"])
        ]
    finally:
        overrides.pop(get_clock)
    for response in responses:
        assert response["statusCode"] == 200, response
        assert response["body"] == ""
        assert "location" not in {k.lower() for k in response["headers"]}
    for _ in range(policy.LINK_MAX_USES):  # every use is still there
        assert client.get(link).status_code == 302
    assert client.get(link).status_code == 410


def test_damaged_link_page(client: TestClient) -> None:
    link = download_link(client)
    damaged = link[:-3]
    page = page_of(client.get(damaged, headers=BROWSER), 403)
    assert page.headings == ["Linket virker ikke"]
    assert page.links == []  # no page configured: the text says what to do
    incomplete = page_of(client.get(f"/ebooks/{EBOOK_ID}/download", headers=BROWSER), 422)
    assert incomplete.headings == ["Linket er ufuldstændigt"]
    gone = page_of(client.get("/ebooks/findes-ikke/download?token=a.b", headers=BROWSER), 404)
    assert gone.headings == ["E-bogen findes ikke"]


def test_erased_reader_link_page(client: TestClient) -> None:
    link = download_link(client)
    erase_reader(READER)
    page = page_of(client.get(link, headers=BROWSER), 410)
    assert page.headings == ["Linket findes ikke længere"]
    assert client.get(link).json()["type"].endswith("/link-erased")


# --- confirmation: a page with one button, and a POST -----------------------------------------


def test_confirmation_page_changes_nothing_and_its_button_confirms(
    client: TestClient,
) -> None:
    mail = newsletter_mail(client)
    before = scan_all()
    for _ in range(3):  # link scanners, previews, a second look
        page = page_of(client.get(mail.confirm, headers=BROWSER), 200)
        assert page.headings == ["Bekræft din tilmelding"]
        assert page.buttons == 1
        (form,) = page.forms
        assert form.get("method") == "post"
        assert "action" not in form  # posts to the page's own URL, token and all
    assert scan_all() == before

    confirmed = page_of(client.post(mail.confirm, headers=BROWSER), 200)
    assert confirmed.headings == ["Tak for din tilmelding"]
    assert len(consents()) == 1
    again = page_of(client.post(mail.confirm, headers=BROWSER), 200)
    assert again.headings == ["Tilmeldingen er allerede bekræftet"]
    shown = page_of(client.get(mail.confirm, headers=BROWSER), 200)
    assert shown.headings == ["Tilmeldingen er allerede bekræftet"]
    assert shown.buttons == 0
    assert len(consents()) == 1


def test_expired_confirmation_page_points_to_the_ebook(
    client: TestClient, clock: FakeClock, page_url: str
) -> None:
    mail = newsletter_mail(client)
    clock.advance(policy.LINK_LIFETIME)
    page = page_of(client.get(mail.confirm, headers=BROWSER), 410)
    assert page.headings == ["Linket er udløbet"]
    assert page.links == [page_url]  # the e-book comes from the (genuine) expired token
    page_of(client.post(mail.confirm, headers=BROWSER), 410)
    assert consents() == []


# --- withdrawal -----------------------------------------------------------------------------


def test_withdrawal_page_changes_nothing_and_its_button_deletes_the_consent(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    mail = newsletter_mail(client)
    assert client.post(mail.confirm).json() == {"status": "confirmed"}
    before = scan_all()
    page = page_of(client.get(mail.withdraw, headers=BROWSER), 200)
    assert page.headings == ["Frameld nyhedsbrevet"]
    assert page.buttons == 1
    assert client.get(mail.withdraw).json() == {"status": "confirmed"}
    assert scan_all() == before
    caplog.clear()

    done = page_of(client.post(mail.withdraw, headers=BROWSER), 200)
    assert done.headings == ["Du er frameldt"]
    assert consents() == []
    assert not any(i["SK"] == "L#CONSENT" for i in scan_all())
    (logged,) = [r for r in caplog.records if r.getMessage() == "newsletter consent withdrawn"]
    assert logged.__dict__["ebook_id"] == EBOOK_ID
    assert len(logged.__dict__["request_id"]) == 32
    assert "mette" not in str(logged.__dict__).lower()  # never the address
    (request,) = [i for i in scan_all() if i["SK"].startswith("REQUEST#")]
    assert request["newsletter_status"] == "withdrawn"

    assert client.post(mail.withdraw).json() == {"status": "withdrawn"}  # idempotent
    shown = page_of(client.get(mail.withdraw, headers=BROWSER), 200)
    assert shown.headings == ["Du er ikke tilmeldt"]
    assert shown.buttons == 0


def test_one_click_unsubscribe_as_rfc_8058_sends_it(client: TestClient) -> None:
    mail = newsletter_mail(client)
    assert client.post(mail.confirm).status_code == 200
    header = mail.message["List-Unsubscribe"]
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (url,) = re.findall(r"^<(\S+)>$", str(header))
    assert urlsplit(url).path == "/newsletter/withdraw"
    # What a mail provider posts: the form body, no cookies, no Accept preference.
    response = client.post(
        f"/newsletter/withdraw?{urlsplit(url).query}",
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert response.json() == {"status": "withdrawn"}
    assert consents() == []


def test_withdrawing_before_confirming_stops_the_confirmation(client: TestClient) -> None:
    mail = newsletter_mail(client)
    assert client.get(mail.withdraw).json() == {"status": "pending"}
    assert client.post(mail.withdraw).json() == {"status": "withdrawn"}
    refused = client.post(mail.confirm)
    assert refused.status_code == 410
    assert refused.json()["type"].endswith("/consent-withdrawn")
    page = page_of(client.get(mail.confirm, headers=BROWSER), 410)
    assert page.headings == ["Tilmeldingen er trukket tilbage"]
    assert consents() == []


def test_withdrawal_link_outlives_the_download_link(client: TestClient, clock: FakeClock) -> None:
    mail = newsletter_mail(client)
    assert client.post(mail.confirm).status_code == 200
    clock.advance(policy.LINK_LIFETIME + timedelta(days=365))
    assert client.get(mail.withdraw).json() == {"status": "confirmed"}
    assert client.post(mail.withdraw).json() == {"status": "withdrawn"}
    assert consents() == []


def test_link_routes_take_only_small_bodies(client: TestClient) -> None:
    mail = newsletter_mail(client)
    too_big = b"x" * (MAX_BODY_BYTES + 1)
    huge = client.post(mail.withdraw, content=too_big)
    assert huge.status_code == 413
    assert page_of(client.post(mail.withdraw, content=too_big, headers=BROWSER), 413)


def test_405_names_every_method_of_the_path(client: TestClient) -> None:
    for path in ("/newsletter/confirm", "/newsletter/withdraw"):
        refused = client.delete(path, params={"token": "a.b"})
        assert refused.status_code == 405
        assert refused.headers["allow"] == "GET, POST"


def test_withdraw_and_confirm_tokens_are_not_interchangeable(client: TestClient) -> None:
    mail = newsletter_mail(client)
    assert (
        client.post("/newsletter/confirm", params={"token": token_of(mail.withdraw)}).status_code
        == 403
    )
    assert (
        client.post("/newsletter/withdraw", params={"token": token_of(mail.confirm)}).status_code
        == 403
    )
    assert request_book(client).status_code == 202  # the flow still works for the reader


# --- the "Tag e-bogen" form posted without JavaScript ----------------------------------------

FORM = {"content-type": "application/x-www-form-urlencoded"}
REQUESTS = f"/ebooks/{EBOOK_ID}/requests"


def test_a_plain_html_form_gets_the_mail_and_a_danish_page(
    client: TestClient, page_url: str
) -> None:
    """A browser without JavaScript posts the form itself: it was a 415 in English JSON."""
    body = "email=+Mette.Hansen%40example.dk+&newsletter=on&website="
    page = page_of(client.post(REQUESTS, content=body, headers={**BROWSER, **FORM}), 202)
    assert page.headings == ["Tjek din indbakke"]
    assert page.links == [page_url]  # back to the e-book
    (message,) = flow.sent_messages()
    assert message["To"] == "Mette.Hansen@example.dk"
    assert any("/newsletter/confirm?" in link for link in flow.links_in(message))
    # A hidden "false" before an unticked checkbox, from a program: JSON as ever, no newsletter.
    program = client.post(REQUESTS, content="email=ny%40example.dk&newsletter=false", headers=FORM)
    assert program.status_code == 202
    assert program.json()["status"] == "accepted"
    assert "List-Unsubscribe" not in flow.sent_messages()[-1]


def test_form_refusals_are_danish_pages_with_the_same_status(client: TestClient) -> None:
    before = scan_all()
    wrong = client.post(REQUESTS, content="email=mette%40", headers={**BROWSER, **FORM})
    assert page_of(wrong, 422).headings == ["Tjek e-mailadressen"]
    assert "æ, ø, å" in wrong.text  # SES cannot send to non-ASCII local parts
    no_address = client.post(REQUESTS, content="newsletter=on", headers={**BROWSER, **FORM})
    assert page_of(no_address, 422).headings == ["Tjek e-mailadressen"]
    missing = client.post(
        "/ebooks/findes-ikke/requests", content="email=a%40b.dk", headers={**BROWSER, **FORM}
    )
    assert page_of(missing, 404).headings == ["E-bogen findes ikke"]
    empty_form_data = {**BROWSER, "content-type": "multipart/form-data; boundary=x"}
    empty = client.post(REQUESTS, content="--x--", headers=empty_form_data)
    assert page_of(empty, 422).headings == ["Tjek e-mailadressen"]  # read: no address in it
    xml = {**BROWSER, "content-type": "application/xml"}
    assert page_of(client.post(REQUESTS, content="<a/>", headers=xml), 415).headings == [
        "Bestillingen gik ikke igennem"
    ]
    latin1 = client.post(REQUESTS, content="email=m%F8@example.dk".encode("latin-1"), headers=FORM)
    assert latin1.status_code == 422  # percent-decoding is lenient; the address is refused
    raw = client.post(REQUESTS, content=b"email=\xf8@example.dk", headers=FORM)
    assert raw.status_code == 400
    assert raw.headers["content-type"] == "application/problem+json"
    assert scan_all() == before
    assert flow.sent_messages() == []


def test_form_over_the_client_limit_is_a_danish_429_page(client: TestClient) -> None:
    for index in range(policy.CLIENT_LIMIT):
        assert request_book(client, f"laeser{index}@example.dk").status_code == 202
    limited = client.post(REQUESTS, content="email=ny%40example.dk", headers={**BROWSER, **FORM})
    page = page_of(limited, 429)
    assert page.headings == ["For mange bestillinger"]
    assert limited.headers["retry-after"] == "3600"
    assert "Prøv igen om 60 minutter." in limited.text
    fetched = client.post(REQUESTS, json={"email": "ny@example.dk"})  # the page's fetch()
    assert fetched.status_code == 429
    assert fetched.headers["content-type"] == "application/problem+json"
