"""The outside meaning signals measured by `infra.bench.related_signals` read what they claim."""

from __future__ import annotations

from pathlib import Path

from newsdesk.logic.related.text import stem

from infra.bench.related_eval import ENGINE_BOOSTS, Variant, eval_articles
from infra.bench.related_signals import Expanded, read_thesaurus

MYTHES = """UTF-8
regnvand|2
(sb.)|nedbør|regn|vand fra himlen
(sb.)|slagregn (underbegreb)
den indre by|1
|centrum|bymidte
"""


def test_a_mythes_file_gives_one_word_synonyms_and_hypernyms(tmp_path: Path) -> None:
    path = tmp_path / "th_da_DK.dat"
    path.write_text(MYTHES, encoding="utf-8")

    relations = read_thesaurus(path)

    assert relations["synonym"] == {stem("regnvand"): {stem("nedbør"), stem("regn")}}
    assert relations["hypernym"] == {stem("slagregn"): {stem("regnvand")}}


def test_an_expanded_article_also_counts_as_its_synonyms_at_a_lower_weight() -> None:
    article = next(a for a in eval_articles() if a.slug == "regnvandsbede-i-gaardene")
    term = stem("regnvand")
    relations = {"synonym": {term: {"nedbørsmængd"}}, "hypernym": {}}

    plain = Variant("engine", ENGINE_BOOSTS).terms(article)
    expanded = Expanded("synonym", ENGINE_BOOSTS, relations=relations, alpha=0.5).terms(article)

    assert "nedbørsmængd" not in plain
    assert 0 < expanded["nedbørsmængd"] < expanded[term]
