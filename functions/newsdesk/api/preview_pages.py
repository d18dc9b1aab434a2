"""The preview link as an editor's browser shows it: the article as a small Danish page.

An editor opens `preview_url` from an upload report in a browser, which ranks `text/html`
above JSON; programs (the frontend, tests) keep getting the `Article` JSON. The page holds
the rendered, already sanitised body, the related teasers and the e-book box, so the editor
sees the text, headings, links and images as readers will; refusals are Danish pages too.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

from newsdesk.api import ebook_pages as pages
from newsdesk.logic.publishing.parsing import NEWSROOM_ZONE
from newsdesk.models import Article

HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",  # the URL holds the preview token
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The article's own images may come from anywhere an editor linked them; nothing else loads.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; "
        "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
}
_COPY_WHOLE = "Tjek, at du har kopieret hele linket fra rapporten."
_UPLOAD_AGAIN = "Upload filen igen, så får du et nyt link i rapporten."

PROBLEM_PAGES: dict[str, pages.Page] = {
    "preview-expired": pages.Page(
        "Forhåndsvisningen er udløbet",
        ("Et link til forhåndsvisning virker i 7 dage fra uploadet.", _UPLOAD_AGAIN),
    ),
    "preview-withdrawn": pages.Page(
        "Forhåndsvisningen findes ikke længere",
        ("Filen bag forhåndsvisningen er slettet.",),
    ),
    "invalid-token": pages.Page(
        "Linket virker ikke", ("Linket til forhåndsvisningen er ikke gyldigt.", _COPY_WHOLE)
    ),
}


def published_page(slug: str) -> pages.Page:
    """The article went live since the upload: say where it is now."""
    return pages.Page(
        "Artiklen er udgivet",
        (
            "Artiklen er gået online, så forhåndsvisningen er lukket.",
            f"Den har nu adressen /articles/{slug}.",
        ),
    )


def problem_response(page: pages.Page, status: int) -> HTMLResponse:
    return HTMLResponse(pages.render(page), status_code=status, headers=HEADERS)


def article_response(article: Article, *, draft: bool) -> HTMLResponse:
    """The article as it will be shown, under a notice that it is not public yet and when
    it goes online (a draft never does by itself: its date is only the upload's)."""
    byline = [article.author.name, article.category, f"{article.reading_minutes} min. læsning"]
    when = article.published_at.astimezone(NEWSROOM_ZONE).strftime("%d.%m.%Y kl. %H:%M")
    goes_live = (
        "Kladde: artiklen udgives først, når du uploader filen igen uden status: draft"
        if draft
        else f"Udgives {when} (dansk tid)"
    )
    paragraphs = (
        "Forhåndsvisning: artiklen er ikke offentlig. Del kun linket med kolleger.",
        article.subtitle or "",
        " · ".join(part for part in byline if part),
        goes_live,
    )
    markup = [f"<article>{article.body_html}</article>"]
    if article.tags:
        markup.append(f"<p>Emner: {escape(', '.join(article.tags))}</p>")
    if article.ebook is not None:
        ebook = article.ebook
        markup.append(
            f"<aside><h2>{escape(ebook.title)}</h2><p>{escape(ebook.description)}</p>"
            f"<p><strong>{escape(ebook.cta_label)}</strong></p></aside>"
        )
    if article.related:
        items = "".join(f"<li>{escape(teaser.title)}</li>" for teaser in article.related)
        markup.append(f"<aside><h2>Relaterede artikler</h2><ul>{items}</ul></aside>")
    page = pages.Page(
        article.title, tuple(text for text in paragraphs if text), markup="\n".join(markup)
    )
    return HTMLResponse(pages.render(page), headers=HEADERS)
