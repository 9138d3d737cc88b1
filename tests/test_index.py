"""The index's compact posting blocks give back exactly what Whoosh's own format does."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import SimpleAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import QueryParser

from smartclean_kb import analysis
from smartclean_kb import index as index_module
from smartclean_kb.index import AnalysedText, index_writer

WORDS = "tuuli aurinko vesi jäte energia kierto".split()


def _documents() -> list[tuple[str, str]]:
    """Enough documents for several posting blocks, with repeated and far-apart words."""
    docs = []
    for n in range(400):
        words = [WORDS[(n * k + k) % len(WORDS)] for k in range(1, 8 + n % 13)]
        words += ["tuuli"] * (n % 4)
        if n % 150 == 7:
            words.append("harvinainen")
        if n % 50 == 0:
            words += ["täyte"] * (300 + n * 200) + ["kaukana", "tuuli"]
        docs.append((f"d{n}", " ".join(words)))
    return docs


def _build(path: Path, field, compact: bool):
    path.mkdir()
    ix = whoosh_index.create_in(str(path), Schema(id=ID(stored=True), body=field))
    writer = index_writer(ix, limitmb=32) if compact else ix.writer()
    for doc_id, text in _documents():
        writer.add_document(id=doc_id, body=text)
    writer.commit()
    return ix


def _postings(ix) -> dict[bytes, list[tuple[int, float, list[int]]]]:
    with ix.reader() as reader:
        out = {}
        for term in reader.lexicon("body"):
            m = reader.postings("body", term)
            rows = []
            while m.is_active():
                rows.append((m.id(), m.weight(), m.value_as("positions")))
                m.next()
            out[term] = rows
        return out


def test_compact_postings_match_whooshs_own(tmp_path: Path) -> None:
    compact = _build(tmp_path / "compact", AnalysedText(analyzer=SimpleAnalyzer()), True)
    stock = _build(tmp_path / "stock", TEXT(analyzer=SimpleAnalyzer()), False)

    ours, theirs = _postings(compact), _postings(stock)
    assert ours == theirs
    far = [p for _, _, positions in ours[b"tuuli"] for p in positions]
    assert max(far) > 70_000, "positions past two bytes are covered"
    assert len({w for _, w, _ in ours[b"tuuli"]}) > 2, "varying weights are covered"
    assert len(ours[b"harvinainen"]) == 3, "a small block (stored uncompressed) is covered"

    for text in ("tuuli", '"kaukana tuuli"', "vesi jäte", "harvinainen"):
        results = []
        for ix in (compact, stock):
            with ix.searcher() as searcher:
                hits = searcher.search(QueryParser("body", ix.schema).parse(text), limit=None)
                results.append([(hit["id"], hit.score) for hit in hits])
        assert results[0] == results[1] and results[0], text


def test_exact_field_postings_are_the_exact_analysers(fixture_kb) -> None:
    """The exact-form field's fast path gives what Whoosh's own analysis of it gives, on
    real passages and on the cases its tokenizer treats specially."""
    texts = [stored["text"] for stored in fixture_kb._open().reader().all_stored_fields()]
    texts += (Path(__file__).resolve().parents[1] / "corpus" / "README.md").read_text("utf-8").split("\n\n")
    texts += [
        "Maankäyttö- ja rakennuslaki, vatten- och avloppsverket; ranta- JA saaristo",
        "EU:n CO2-päästöt 2025 – Ålands kök_ och ÄÄKKÖSET ß İstanbul",
        "sana- sana -sana ja- och",
        "",
    ]
    assert len(texts) > 20
    schema = index_module.build_schema()
    exact = next(f.name for f in analysis.TEXT_FIELDS if f.analyzer == "exact")
    for text in texts:
        fast = index_module.analyse_fields(text, "fi")[exact].items
        assert fast == list(schema[exact].index(text)), text
