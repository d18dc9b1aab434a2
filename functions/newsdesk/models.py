"""Domain models of the public contract (docs/api.md, docs/openapi.json): what the API returns."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ContractModel(BaseModel):
    """Base for every contract model: immutable, snake_case, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Author(ContractModel):
    """An article's author; `name` is the display form "First Last"."""

    name: str
    first_name: str
    last_name: str

    @classmethod
    def from_name(cls, name: str) -> Author:
        """Split "Asta Petersen" into first and last name (last word is the last name)."""
        parts = name.split()
        if len(parts) < 2:
            return cls(name=" ".join(parts), first_name=" ".join(parts), last_name="")
        return cls(name=" ".join(parts), first_name=" ".join(parts[:-1]), last_name=parts[-1])

    @classmethod
    def from_parts(cls, first_name: str, last_name: str) -> Author:
        """Build from a mapping's parts, deriving the display name."""
        first, last = " ".join(first_name.split()), " ".join(last_name.split())
        return cls(name=f"{first} {last}".strip(), first_name=first, last_name=last)


class Teaser(ContractModel):
    """What a list or a related box shows of an article."""

    slug: str
    title: str
    subtitle: str | None = None
    summary: str | None = None
    category: str
    tags: list[str] = Field(default_factory=list)
    author: Author
    reading_minutes: int = Field(ge=1)
    published_at: datetime


class RelatedTeaser(Teaser):
    """A teaser in an article's related box, with why it is there.

    `pinned`: chosen by the editors (front matter `related`); `similar`: scored related above
    the threshold; `fallback`: filling the box by shared tags, category or time.
    """

    reason: Literal["pinned", "similar", "fallback"] = "similar"


class Ebook(ContractModel):
    """An e-book promoted beside articles ("Tag e-bogen")."""

    id: str
    title: str
    description: str
    cta_label: str = "Tag e-bogen"


class Article(Teaser):
    """A whole article page: the teaser fields plus body, related teasers and e-book."""

    body_html: str
    updated_at: datetime
    related: list[RelatedTeaser] = Field(default_factory=list, max_length=4)
    ebook: Ebook | None = None

    def teaser(self) -> Teaser:
        """The teaser copy of this article (what lists and related boxes show)."""
        return Teaser.model_validate(self.model_dump(include=set(Teaser.model_fields)))


class TeaserPage(ContractModel):
    """One page of a newest-first list, with an opaque cursor to the next."""

    items: list[Teaser]
    next_cursor: str | None = None


class EbookList(ContractModel):
    """All published e-books."""

    items: list[Ebook]
