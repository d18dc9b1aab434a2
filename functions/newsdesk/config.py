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
    cors_allowed_origins: tuple[str, ...]
    words_per_minute: int
    ebook_token_secret: str
    origin_verify_secret: str
    cdn_distribution_id: str
    ses_sender: str
    public_api_url: str
    outbox_dir: str | None
    api_base_path: str

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment; defaults suit tests and the local stack."""
        env = os.environ
        origins = tuple(
            o.strip() for o in env.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()
        )
        return cls(
            table_name=env.get("TABLE_NAME", "newsdesk"),
            content_bucket=env.get("CONTENT_BUCKET", "newsdesk-content"),
            cors_allowed_origins=origins,
            words_per_minute=int(env.get("WORDS_PER_MINUTE", "200")),
            ebook_token_secret=env.get("EBOOK_TOKEN_SECRET", "newsdesk/ebook-token-key"),
            # Empty: no CDN in front (local stack, tests), so no viewer address is trusted.
            origin_verify_secret=env.get("ORIGIN_VERIFY_SECRET", ""),
            # Empty: nothing to invalidate (local stack, tests).
            cdn_distribution_id=env.get("CDN_DISTRIBUTION_ID", ""),
            ses_sender=env.get("SES_SENDER", "nyhedsbrev@example.com"),
            public_api_url=env.get("PUBLIC_API_URL", "http://127.0.0.1:3000").rstrip("/"),
            outbox_dir=env.get("OUTBOX_DIR") or None,
            api_base_path=env.get("API_BASE_PATH") or "/",
        )


@cache
def settings() -> Settings:
    """The process-wide settings, read on first use (tests call `settings.cache_clear()`)."""
    return Settings.from_env()
