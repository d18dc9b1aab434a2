"""Settings read once from the environment that template.yaml declares, validated strictly.

Every function gets the template's Globals (table, bucket); each also declares the variables
only it needs (the publish function `WORDS_PER_MINUTE`, the API function its CORS, mail and
link settings). A handler names the ones it needs with `validate_at_init`: in Lambda a missing
or malformed variable then fails the init with a message naming it, instead of a function
running against the wrong table. Defaults exist only where the template has one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

type NonBlank = Annotated[str, Field(min_length=1, pattern=r"\S")]


class ConfigurationError(RuntimeError):
    """The function's environment does not match what the template declares."""


class Settings(BaseModel):
    """Every knob of the application; aliases are the template's environment variable names.

    Function-specific settings keep the template parameter's default (or stay empty) where a
    function's environment does not declare them; `require` checks that they were declared.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=False)

    table_name: NonBlank = Field(alias="TABLE_NAME")
    content_bucket: NonBlank = Field(alias="CONTENT_BUCKET")
    words_per_minute: int = Field(default=200, alias="WORDS_PER_MINUTE", ge=50, le=1000)
    ses_sender: str = Field(default="", alias="SES_SENDER")
    # ARN (or name) of the Secrets Manager secret holding the e-book link key.
    ebook_token_secret: str = Field(default="", alias="EBOOK_TOKEN_SECRET")
    # Empty: no CDN in front (local stack, tests), so no viewer address is trusted.
    origin_verify_secret: str = Field(default="", alias="ORIGIN_VERIFY_SECRET")
    # Empty: no CDN, nothing to invalidate (local stack, tests).
    cdn_distribution_id: str = Field(default="", alias="CDN_DISTRIBUTION_ID")
    # Empty (the template's default): links use API Gateway's own domain.
    public_api_url: str = Field(default="", alias="PUBLIC_API_URL")
    api_base_path: str = Field(default="/", alias="API_BASE_PATH", pattern=r"^/")
    # Scheduled publishing (publish function): the schedule group, the role EventBridge
    # Scheduler assumes to invoke the function, and where undeliverable go-lives end up.
    schedule_group: str = Field(default="", alias="SCHEDULE_GROUP")
    scheduler_role_arn: str = Field(default="", alias="SCHEDULER_ROLE_ARN")
    go_live_dead_letter_arn: str = Field(default="", alias="GO_LIVE_DEAD_LETTER_ARN")
    # Publish failure function: where Lambda's on-failure records are kept after their report.
    publish_dead_letter_queue_url: str = Field(default="", alias="PUBLISH_DEAD_LETTER_QUEUE_URL")
    # Secrets Manager secret (ARN or name) holding the HMAC key of editors' preview links.
    preview_token_secret: str = Field(default="", alias="PREVIEW_TOKEN_SECRET")
    # The e-book's page on the site (`{ebook_id}` replaced); pages for dead links point there.
    ebook_page_url: str = Field(default="", alias="EBOOK_PAGE_URL")
    # Local stack only: sent mail is written here as .eml files instead of SES.
    outbox_dir: str | None = Field(default=None, alias="OUTBOX_DIR")

    @field_validator("ebook_page_url")
    @classmethod
    def _page_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be empty or an absolute http(s) URL")
        return value

    @field_validator("public_api_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be empty or an absolute http(s) URL")
        return value

    @field_validator("outbox_dir", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any) -> Any:
        """`sam local` passes declared-but-unset variables as ''."""
        return None if value == "" else value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Validate `env` (default: the process environment), naming each bad variable."""
        source = dict(os.environ if env is None else env)
        try:
            return cls.model_validate(source)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
            )
            raise ConfigurationError(f"invalid function environment: {problems}") from None

    def require(self, *variables: str) -> Self:
        """These function-specific variables must be declared (and not blank)."""
        fields = {f.alias: name for name, f in type(self).model_fields.items()}
        missing = [
            v
            for v in variables
            if fields[v] not in self.model_fields_set or getattr(self, fields[v]) in ("", ())
        ]
        if missing:
            raise ConfigurationError(f"missing environment variable(s): {', '.join(missing)}")
        return self


@cache
def settings() -> Settings:
    """The process-wide settings, read on first use (tests call `settings.cache_clear()`)."""
    return Settings.from_env()


def validate_at_init(*variables: str) -> None:
    """In Lambda, fail the init now if the environment lacks what this function needs."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        settings().require(*variables)
