"""`make related-explain SLUG=…`: why each related teaser of a page is there.

For editors asking "why this one?": prints every teaser the page shows with its reason
(pinned, similar, fallback), its score under today's corpus statistics, the strongest
shared terms (stems, with their contribution) and the shared tags. Reads the running local
stack (`.local/stack.json`, as `make run` writes it) unless `--stack newsdesk-prod` names a
deployed stack (its outputs, the SDK's credentials and region) or `--env` says to use the
environment (`TABLE_NAME`, `CONTENT_BUCKET` and the SDK's own settings), as the functions do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.ops.target import STATE_FILE, use_local_stack, use_stack

REASONS = {"pinned": "valgt af redaktionen", "similar": "ligner", "fallback": "udfyldning"}


def explain_page(slug: str) -> list[str]:
    """The lines that explain `slug`'s related teasers (Danish: editors read them)."""
    from newsdesk.dal import related as store  # noqa: PLC0415 - after the environment
    from newsdesk.dal.articles import get_article  # noqa: PLC0415
    from newsdesk.logic.related.scoring import WEIGHTS, Stats, explain  # noqa: PLC0415

    page = get_article(slug)
    if page is None:
        return [f"Ingen udgivet artikel med slug '{slug}'."]
    profiles = store.get_profiles([slug, *(t.slug for t in page.related)])
    owner = profiles.get(slug)
    if owner is None:
        return [f"'{slug}' er udgivet, men relaterede artikler er ikke beregnet endnu."]
    documents, frequencies = store.get_stats(owner.features)
    stats = Stats(documents, frequencies)
    lines = [
        f"Relaterede artikler for '{slug}' ({len(page.related)} af 4; "
        f"{documents} udgivne artikler; tærskel for 'ligner' {WEIGHTS.threshold}):"
    ]
    for position, teaser in enumerate(page.related, start=1):
        other = profiles.get(teaser.slug)
        reason = f"{REASONS.get(teaser.reason, teaser.reason)} ({teaser.reason})"
        if other is None:
            lines.append(f"  {position}. {teaser.slug}: {reason}, ikke længere udgivet")
            continue
        evidence = explain(owner, other, stats)
        terms = ", ".join(f"{term} {value:.3f}" for term, value in evidence.terms) or "ingen"
        lines += [
            f"  {position}. {teaser.slug} - {teaser.title}",
            f"     grund: {reason}, score {evidence.signals.score():.3f} "
            f"(tekst {evidence.signals.text:.3f}, tags {evidence.signals.tags:.3f}, "
            f"samme kategori: {'ja' if evidence.signals.same_category else 'nej'})",
            f"     stærkeste fælles ord: {terms}",
            f"     fælles tags: {', '.join(evidence.tags) or 'ingen'}",
        ]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the explanation of one page's related teasers."""
    parser = argparse.ArgumentParser(prog="make related-explain", description=__doc__)
    parser.add_argument("slug", help="the article's slug")
    parser.add_argument("--env", action="store_true", help="use TABLE_NAME and the SDK's env")
    parser.add_argument("--stack", help="use this deployed stack (its TableName output)")
    parser.add_argument("--state", type=Path, default=STATE_FILE, help="the stack's stack.json")
    args = parser.parse_args(argv)
    if args.stack:
        use_stack(args.stack)
    elif not args.env and not use_local_stack(args.state):
        return 2
    print("\n".join(explain_page(args.slug)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
