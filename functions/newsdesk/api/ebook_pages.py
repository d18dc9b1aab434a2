"""The small Danish pages a reader sees after clicking a link in an e-book mail.

A person's browser asks for `text/html` first; API clients ask for JSON (or anything) and
get the JSON answer or problem document instead (`prefers_html`). Pages are self-contained
(inline CSS, no scripts, fonts or images), work on a phone, and are never cached or given
a referrer: the URL that opened them carries the reader's token.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from starlette.responses import HTMLResponse

from newsdesk.config import settings

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP 2
    # Only our inline style and a form posting back to us; nothing is loaded from anywhere.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
}
_HTML = "text/html"
_JSON_TYPES = ("application/json", "application/problem+json")


def _quality(accept: str, media_type: str) -> float:
    """The q-value `accept` gives `media_type` (exact type beats `type/*` beats `*/*`)."""
    best, specificity = 0.0, -1
    main = media_type.split("/", 1)[0]
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        candidate = fields[0].lower()
        if candidate == media_type:
            rank = 2
        elif candidate == f"{main}/*":
            rank = 1
        elif candidate == "*/*":
            rank = 0
        else:
            continue
        q = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        if rank > specificity:
            best, specificity = q, rank
    return best


def prefers_html(accept: str | None) -> bool:
    """True when the client ranks `text/html` above JSON (browsers do; API clients do not)."""
    if not accept:
        return False
    html = _quality(accept, _HTML)
    return html > 0 and html > max(_quality(accept, t) for t in _JSON_TYPES)


@dataclass(frozen=True, slots=True)
class Button:
    """A form with one button that POSTs to the page's own URL, token included.

    The form has no `action`: a browser then posts to the document's URL with its query,
    which also holds behind a custom domain's path prefix.
    """

    label: str


@dataclass(frozen=True, slots=True)
class Page:
    """What a page says: a heading, paragraphs, and at most one action."""

    title: str
    paragraphs: tuple[str, ...]
    button: Button | None = None
    link: tuple[str, str] | None = None  # (label, URL)
    # Markup placed after the paragraphs as it is: only HTML already sanitised or escaped
    # (an article preview's rendered body).
    markup: str = ""


_STYLE = (
    "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;"
    "line-height:1.5;color:#1a1a1a;background:#ffffff}"
    "main{max-width:36rem;margin:0 auto;padding:2rem 1.25rem}"
    "h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}"
    "p{font-size:1.1rem;margin:0 0 1rem}"
    "a{color:#0b5cad}"
    "button,.knap{display:inline-block;font:inherit;font-size:1.1rem;padding:.75rem 1.25rem;"
    "min-height:44px;border:0;border-radius:4px;background:#0b5cad;color:#ffffff;"
    "text-decoration:none;cursor:pointer}"
    "button:focus,.knap:focus,a:focus{outline:3px solid #f5a623;outline-offset:2px}"
)


def render(page: Page) -> str:
    """The whole document; every text is HTML-escaped."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="da">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex">',
        f"<title>{escape(page.title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(page.title)}</h1>",
        *(f"<p>{escape(text)}</p>" for text in page.paragraphs),
    ]
    if page.markup:
        parts.append(page.markup)
    if page.button:
        parts.append(
            f'<form method="post"><button type="submit">{escape(page.button.label)}</button></form>'
        )
    if page.link:
        label, url = page.link
        parts.append(f'<p><a class="knap" href="{escape(url)}">{escape(label)}</a></p>')
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def page_response(page: Page, status: int = 200) -> HTMLResponse:
    """The page as a response with the headers every page carries."""
    return HTMLResponse(render(page), status_code=status, headers=PAGE_HEADERS)


def request_again_link(ebook_id: str | None) -> tuple[str, str] | None:
    """Where to ask for a new link: the e-book's page (EBOOK_PAGE_URL), if configured."""
    template = settings().ebook_page_url
    if not template:
        return None
    url = template.replace("{ebook_id}", quote(ebook_id or "", safe=""))
    return ("Bestil et nyt link", url)


_ASK_AGAIN = "Bestil e-bogen igen på siden, hvor du fandt den, så sender vi et nyt link."
_COPY_WHOLE = "Tjek, at du har kopieret hele linket fra e-mailen, eller bestil e-bogen igen."

# One page per problem `type` a link can meet; anything else gets the generic one.
PROBLEM_PAGES: dict[str, Page] = {
    "link-expired": Page(
        "Linket er udløbet",
        ("Linket i e-mailen virker kun i en begrænset periode, og den er gået.", _ASK_AGAIN),
    ),
    "link-used-up": Page(
        "Linket er brugt op",
        ("Linket er allerede brugt det antal gange, det kan bruges.", _ASK_AGAIN),
    ),
    "link-erased": Page(
        "Linket findes ikke længere",
        ("Oplysningerne bag linket er slettet, så det virker ikke længere.", _ASK_AGAIN),
    ),
    "consent-withdrawn": Page(
        "Tilmeldingen er trukket tilbage",
        (
            "Du har frameldt nyhedsbrevet, så denne tilmelding kan ikke længere bekræftes.",
            "Vil du have nyhedsbrevet alligevel, kan du sætte kryds, næste gang du bestiller "
            "en e-bog.",
        ),
    ),
    "invalid-token": Page("Linket virker ikke", ("Linket er ikke gyldigt.", _COPY_WHOLE)),
    "validation-error": Page(
        "Linket er ufuldstændigt", ("Der mangler en del af linket.", _COPY_WHOLE)
    ),
    "ebook-not-found": Page(
        "E-bogen findes ikke", ("Denne e-bog er ikke længere tilgængelig hos os.",)
    ),
    # AWS throttling (`overload_problem`): the same link is worth trying again in a moment.
    "service-unavailable": Page(
        "Der er travlt lige nu",
        ("Siden kunne ikke vises lige nu. Prøv linket igen om et øjeblik.",),
    ),
}
GENERIC_PROBLEM = Page(
    "Noget gik galt", ("Siden kunne ikke vises. Prøv igen om lidt, eller bestil e-bogen igen.",)
)
OFFERS_NEW_LINK = frozenset({"link-expired", "link-used-up", "link-erased", "invalid-token"})

CONFIRM_ASK = Page(
    "Bekræft din tilmelding",
    (
        "Du har bedt om at få vores nyhedsbrev. Tryk på knappen for at bekræfte tilmeldingen.",
        "Trykker du ikke, bliver du ikke tilmeldt.",
    ),
    Button("Bekræft tilmelding"),
)
CONFIRMED = Page(
    "Tak for din tilmelding",
    (
        "Din tilmelding til nyhedsbrevet er bekræftet.",
        "Du kan altid framelde dig igen via linket i e-mailen.",
    ),
)
ALREADY_CONFIRMED = Page(
    "Tilmeldingen er allerede bekræftet",
    (
        "Din tilmelding til nyhedsbrevet er allerede bekræftet. Du behøver ikke gøre mere.",
        "Du kan altid framelde dig igen via linket i e-mailen.",
    ),
)
WITHDRAW_ASK = Page(
    "Frameld nyhedsbrevet",
    ("Tryk på knappen for at framelde nyhedsbrevet og trække dit samtykke tilbage.",),
    Button("Frameld nyhedsbrevet"),
)
WITHDRAWN = Page(
    "Du er frameldt",
    (
        "Du er nu frameldt nyhedsbrevet, og dit samtykke er slettet.",
        "Vi sender ikke nyhedsbrevet til dig.",
    ),
)
NOT_SUBSCRIBED = Page(
    "Du er ikke tilmeldt",
    ("Der er ingen tilmelding til nyhedsbrevet at framelde via dette link.",),
)


# --- the answer to the "Tag e-bogen" form posted without JavaScript ---------------------------

REQUEST_ACCEPTED = Page(
    "Tjek din indbakke",
    (
        "Tak! Vi sender et link til e-bogen til din e-mailadresse.",
        "Kan du ikke finde e-mailen om et par minutter, så kig i mappen med uønsket post.",
    ),
)
_REQUEST_PROBLEMS: dict[str, Page] = {
    "validation-error": Page(
        "Tjek e-mailadressen",
        (
            "Vi kan ikke sende til den e-mailadresse, du skrev.",
            "Skriv hele adressen, fx navn@eksempel.dk, og prøv igen.",
            "Før @ kan vi ikke sende til adresser med æ, ø, å eller mellemrum.",
        ),
    ),
    "ebook-not-found": PROBLEM_PAGES["ebook-not-found"],
    "mail-unavailable": Page(
        "E-mailen kunne ikke sendes",
        ("Vi kunne ikke sende e-mailen lige nu. Prøv igen om et minut.",),
    ),
    "service-unavailable": Page(
        "Der er travlt lige nu",
        ("Vi kunne ikke tage imod bestillingen lige nu. Prøv igen om et øjeblik.",),
    ),
}
_REQUEST_FAILED = Page(
    "Bestillingen gik ikke igennem",
    ("Vi kunne ikke modtage bestillingen. Gå tilbage og prøv igen.",),
)


def request_problem_page(code: str, retry_after: str | None) -> Page:
    """The page for a refused form post; a 429 says how long to wait, in minutes."""
    if code == "too-many-requests":
        seconds = int(retry_after) if retry_after and retry_after.isdigit() else 3600
        minutes = max(1, -(-seconds // 60))
        wait = "1 minut" if minutes == 1 else f"{minutes} minutter"
        return Page(
            "For mange bestillinger",
            (
                "Der er kommet mange bestillinger fra din forbindelse på kort tid.",
                f"Prøv igen om {wait}.",
            ),
        )
    return _REQUEST_PROBLEMS.get(code, _REQUEST_FAILED)


def request_page(page: Page, ebook_id: object, status: int) -> HTMLResponse:
    """A form post's answer, with a way back to the e-book's page when one is configured."""
    back = request_again_link(ebook_id if isinstance(ebook_id, str) else None)
    if back is not None:
        page = Page(page.title, page.paragraphs, link=("Tilbage til e-bogen", back[1]))
    return page_response(page, status)
