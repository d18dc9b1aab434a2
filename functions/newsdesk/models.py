"""Domain models of the public contract (docs/api.md, docs/openapi.json): what the API returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from newsdesk.labels import label_slug


class ContractModel(BaseModel):
    """Base for every contract model: immutable, snake_case, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _with_slugs(data: Any, slugs: dict[str, str]) -> Any:
    """Derive each slug field from its label field (stored copies without slugs get them too).

    Always derived, never trusted from input: a slug is a function of its label.
    """
    if not isinstance(data, dict):
        return data
    derived = dict(data)
    for slug_field, label_field in slugs.items():
        label = data.get(label_field)
        if isinstance(label, str):
            derived[slug_field] = label_slug(label)
        elif isinstance(label, list | tuple) and all(isinstance(v, str) for v in label):
            derived[slug_field] = [label_slug(v) for v in label]
    return derived


class Author(ContractModel):
    """An article's author; `name` is the display form "First Last", `slug` its URL form."""

    name: str
    first_name: str
    last_name: str
    slug: str = Field(default="", description="URL slug of the name (`/authors/{slug}`)")

    @model_validator(mode="before")
    @classmethod
    def _slug(cls, data: Any) -> Any:
        return _with_slugs(data, {"slug": "name"})

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
    category_slug: str = Field(default="", description="URL slug of `category`")
    tags: list[str] = Field(default_factory=list)
    tag_slugs: list[str] = Field(
        default_factory=list, description="URL slug of each tag, in the order of `tags`"
    )
    author: Author
    reading_minutes: int = Field(ge=1)
    published_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _slugs(cls, data: Any) -> Any:
        return _with_slugs(data, {"category_slug": "category", "tag_slugs": "tags"})


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


class Label(ContractModel):
    """A category or tag as menus and tag clouds show it."""

    name: str
    slug: str
    articles: int = Field(ge=1, description="Number of published articles with this label")


class LabelList(ContractModel):
    """Every category or tag in use, most used first."""

    items: list[Label]


class AuthorPage(ContractModel):
    """What an author page shows above the author's article list."""

    name: str
    first_name: str
    last_name: str
    slug: str
    articles: int = Field(ge=1, description="Number of published articles by this author")


class SearchPage(ContractModel):
    """One page of search hits, best first, with an opaque cursor to the next."""

    items: list[Teaser]
    next_cursor: str | None = None
