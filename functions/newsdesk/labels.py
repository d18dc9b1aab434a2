"""Normalisation of categories and tags, so "Fællesskab" and "fællesskab " are one value."""

from __future__ import annotations

import unicodedata


def normalize_label(label: str) -> str:
    """NFC, case-folded, inner whitespace collapsed: the form keys and comparisons use."""
    return " ".join(unicodedata.normalize("NFC", label).casefold().split())
