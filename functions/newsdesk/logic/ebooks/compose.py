"""The Danish e-mail that carries the download link (and the newsletter links).

Plain text and HTML say the same thing; every value from outside is HTML-escaped. The mail
says why it was sent and that ignoring it changes nothing: no subscription without a click.
A mail sent with a newsletter wish also carries the withdrawal link, in the body and as
`List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 8058 one-click), so withdrawing is as
easy as consenting.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from newsdesk.dal.mail import OutgoingEmail
from newsdesk.logic.ebooks.policy import LINK_LIFETIME, LINK_MAX_USES


@dataclass(frozen=True, slots=True)
class EbookEmail:
    """The inputs of one e-book e-mail."""

    sender: str
    recipient: str
    ebook_title: str
    download_url: str
    confirm_url: str | None
    withdraw_url: str | None = None
    # The mailbox's last mail in its window: say so, so a missing fourth mail is no mystery.
    last_today: bool = False


def _validity() -> str:
    return f"Linket virker i {LINK_LIFETIME.days} dage og kan bruges {LINK_MAX_USES} gange."


_WHY = (
    "Du får denne e-mail, fordi nogen har bedt om e-bogen med din adresse på vores hjemmeside. "
    "Var det ikke dig, kan du blot se bort fra e-mailen."
)
_NEWSLETTER = (
    "Du har også bedt om at få vores nyhedsbrev. Bekræft tilmeldingen her:",
    "Vi sender først nyhedsbrevet, når du har bekræftet. Klikker du ikke, bliver du ikke tilmeldt.",
)
_WITHDRAW = "Du kan altid trække dit samtykke tilbage og framelde nyhedsbrevet her:"
_LAST = (
    "Du har nu bedt om e-bøger så mange gange i dag, som vi sender til én adresse. "
    "Beder du om flere inden for et døgn, sender vi ikke flere e-mails før da."
)


def _text(mail: EbookEmail) -> str:
    lines = [
        "Hej",
        "",
        f"Tak for din interesse for e-bogen »{mail.ebook_title}«.",
        "",
        "Hent e-bogen her:",
        mail.download_url,
        "",
        _validity(),
    ]
    if mail.confirm_url:
        lines += ["", _NEWSLETTER[0], mail.confirm_url, _NEWSLETTER[1]]
    if mail.withdraw_url:
        lines += ["", _WITHDRAW, mail.withdraw_url]
    if mail.last_today:
        lines += ["", _LAST]
    lines += ["", _WHY, "", "Venlig hilsen", "Redaktionen", ""]
    return "\n".join(lines)


def _button(url: str, label: str) -> str:
    return (
        f'<p><a href="{escape(url)}" style="display:inline-block;padding:12px 20px;'
        f'background:#0b5cad;color:#ffffff;text-decoration:none;border-radius:4px">'
        f"{escape(label)}</a></p>"
    )


def _html(mail: EbookEmail) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="da"><head><meta charset="utf-8">',
        f"<title>{escape(mail.ebook_title)}</title></head>",
        '<body style="font-family:Arial,Helvetica,sans-serif;line-height:1.5;color:#1a1a1a">',
        "<p>Hej</p>",
        f"<p>Tak for din interesse for e-bogen <strong>{escape(mail.ebook_title)}</strong>.</p>",
        _button(mail.download_url, "Hent e-bogen"),
        f"<p>{escape(_validity())}</p>",
    ]
    if mail.confirm_url:
        parts += [
            f"<p>{escape(_NEWSLETTER[0])}</p>",
            _button(mail.confirm_url, "Bekræft tilmelding til nyhedsbrevet"),
            f"<p>{escape(_NEWSLETTER[1])}</p>",
        ]
    if mail.withdraw_url:
        parts.append(
            f'<p>{escape(_WITHDRAW)} <a href="{escape(mail.withdraw_url)}">Frameld</a></p>'
        )
    if mail.last_today:
        parts.append(f"<p>{escape(_LAST)}</p>")
    parts += [
        f'<p style="color:#555555;font-size:13px">{escape(_WHY)}</p>',
        "<p>Venlig hilsen<br>Redaktionen</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def compose(mail: EbookEmail) -> OutgoingEmail:
    """The message, ready for the mail layer."""
    headers: tuple[tuple[str, str], ...] = ()
    if mail.withdraw_url:
        headers = (
            ("List-Unsubscribe", f"<{mail.withdraw_url}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        )
    return OutgoingEmail(
        sender=mail.sender,
        recipient=mail.recipient,
        subject=f"Din e-bog: {' '.join(mail.ebook_title.split())}",
        text=_text(mail),
        html=_html(mail),
        headers=headers,
    )
