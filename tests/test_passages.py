"""Passages: 40-250 words, cut at headings and paragraphs, never across PDF pages, stable ids."""

from __future__ import annotations

from smartclean_kb.models import Block, Document
from smartclean_kb.passages import document_id, split_passages


def words(n: int, word: str = "sana") -> str:
    return " ".join(f"{word}{i}." if i % 12 == 11 else f"{word}{i}" for i in range(n))


def test_long_section_is_cut_below_the_maximum():
    doc = Document("a.txt", "text", (Block(words(900)),))
    passages = split_passages(doc)
    assert len(passages) >= 4
    assert all(len(p.text.split()) <= 250 for p in passages)
    assert " ".join(p.text for p in passages).split() == words(900).split()


def test_short_paragraphs_are_merged_within_a_section():
    blocks = tuple(Block(words(15), ("Otsikko",)) for _ in range(6))
    passages = split_passages(Document("a.txt", "text", blocks))
    assert len(passages) == 1
    assert passages[0].headings == ("Otsikko",)


def test_passages_never_cross_pdf_pages():
    blocks = (Block(words(20), ("1 Johdanto",), page=1), Block(words(20), ("1 Johdanto",), page=2))
    passages = split_passages(Document("r.pdf", "report", blocks))
    assert [p.page for p in passages] == [1, 2]


def test_ids_are_stable_and_ordered():
    doc = Document("a.txt", "text", (Block(words(600)),))
    first, again = split_passages(doc), split_passages(doc)
    assert [p.passage_id for p in first] == [p.passage_id for p in again]
    assert [p.ordinal for p in first] == list(range(len(first)))
    assert first[0].passage_id.startswith(document_id("a.txt"))


def test_a_quotation_in_another_language_is_its_own_passage():
    blocks = (Block(words(30), ("Otsikko",), lang="fi"), Block(words(45, "ord"), ("Otsikko",), lang="sv"),
              Block(words(30), ("Otsikko",), lang="fi"))
    passages = split_passages(Document("a.html", "blog", blocks))
    assert [p.text.split()[0] for p in passages] == ["sana0", "ord0", "sana0"]


def test_a_run_of_characters_without_spaces_is_cut_to_passage_size():
    """A 5 MB line of base64 was one passage, returned whole by search --json (review)."""
    from smartclean_kb.config import PASSAGE_MAX_CHARS

    blob = "QUJD" * 250_000
    doc = Document(source="x.txt", doc_type="text", blocks=(Block(text=f"Alku {blob} loppu"),))
    passages = split_passages(doc)
    assert max(len(p.text) for p in passages) <= 2 * PASSAGE_MAX_CHARS + 1
    assert "".join(p.text for p in passages).replace(" ", "").replace("\n", "") == f"Alku{blob}loppu"


def test_no_passage_passes_the_character_limit_however_its_words_are_cut():
    """Words under the run limit were never cut: ten 1,999-character words were one
    19,999-character passage (review)."""
    from smartclean_kb.config import PASSAGE_MAX_CHARS

    words = " ".join("ab" * 999 + "c" for _ in range(10))
    doc = Document(source="x.txt", doc_type="text", blocks=(Block(text="Alku. " + words),))
    assert max(len(p.text) for p in split_passages(doc)) <= 2 * PASSAGE_MAX_CHARS


def test_a_short_section_merged_with_the_next_is_cited_under_what_both_are_under():
    """A short section took the next one's text into its passage and its citation named
    the short one's heading for all of it (review: 29 of the sample archive's 296
    passages held two sections)."""
    blocks = (Block(words(20), ("Blogi", "Seuraavaksi akku?")), Block(words(100), ("Blogi", "Fysiikan tunnit")),
              Block(words(10)), Block(words(100), ("Liite",)))
    first, second = split_passages(Document("a.html", "blog", blocks))
    assert first.headings == ("Blogi",) and second.headings == ("Liite",)  # nothing shared: the larger part's
    assert first.text.split() == (words(20) + " " + words(100)).split()
