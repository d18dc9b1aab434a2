"""Settings read once from the environment that template.yaml declares."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of the application; names mirror the template's environment variables."""

    table_name: str
    content_bucket: str
    words_per_minute: int
    ebook_token_parameter: str
    ses_sender: str
    public_api_url: str
    outbox_dir: str | None
    api_base_path: str

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment; defaults suit tests and the local stack."""
        env = os.environ
        return cls(
            table_name=env.get("TABLE_NAME", "newsdesk"),
            content_bucket=env.get("CONTENT_BUCKET", "newsdesk-content"),
            words_per_minute=int(env.get("WORDS_PER_MINUTE", "200")),
            ebook_token_parameter=env.get("EBOOK_TOKEN_PARAMETER", "/newsdesk/ebook-token-secret"),
            ses_sender=env.get("SES_SENDER", "nyhedsbrev@example.com"),
            public_api_url=env.get("PUBLIC_API_URL", "http://127.0.0.1:3000").rstrip("/"),
            outbox_dir=env.get("OUTBOX_DIR") or None,
            api_base_path=env.get("API_BASE_PATH") or "/",
        )


@cache
def settings() -> Settings:
    """The process-wide settings, read on first use (tests call `settings.cache_clear()`)."""
    return Settings.from_env()
