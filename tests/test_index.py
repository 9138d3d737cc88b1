"""The index's compact formats (posting blocks, stored-field blocks, the manifest) give
back exactly what was written."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.analysis import SimpleAnalyzer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.structfile import StructFile
from whoosh.qparser import QueryParser
from whoosh.reading import TermNotFound

from smartclean_kb import KnowledgeBase, analysis
from smartclean_kb import index as index_module
from smartclean_kb.errors import IndexVersionError
from smartclean_kb.index import AnalysedText, index_writer

WORDS = "tuuli aurinko vesi jäte energia kierto".split()


def _documents() -> list[tuple[str, str]]:
    """Enough documents for several posting blocks, with repeated and far-apart words."""
    docs = []
    for n in range(2 * index_module.BLOCK_POSTINGS + 300):
        words = [WORDS[(n * k + k) % len(WORDS)] for k in range(1, 8 + n % 13)]
        words += ["tuuli"] * (n % 4)
        if n % 700 == 7:
            words.append("harvinainen")
        if n == 5:
            words += ["ainutkertainen", "tuuli"]
        if n < index_module.BLOCK_POSTINGS + 2:
            words.append("kirjo")  # a full block and a tail of two
        if n % 50 == 0 and n < 400:
            words += ["täyte"] * (300 + n * 200)
        if n % 50 == 0 and n < 50 * index_module.INLINE_POSTINGS:
            words += ["kaukana", "tuuli"]
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
    assert len(ours[b"tuuli"]) > 2 * index_module.BLOCK_POSTINGS, "several blocks are covered"
    assert len(ours[b"kirjo"]) == index_module.BLOCK_POSTINGS + 2, "a small block (stored uncompressed) is covered"
    assert len(ours[b"ainutkertainen"]) == 1 and len(ours[b"harvinainen"]) == 4
    assert len(ours[b"kaukana"]) == index_module.INLINE_POSTINGS
    with compact.reader() as reader:
        for rare in (b"ainutkertainen", b"harvinainen", b"kaukana"):
            assert reader.term_info("body", rare).is_inlined(), "a rare term's postings are in its term info"
        assert not reader.term_info("body", b"kirjo").is_inlined()

    for text in ("tuuli", '"kaukana tuuli"', "vesi jäte", "harvinainen", "ainutkertainen",
                 '"ainutkertainen tuuli"', "kirjo kaukana"):
        results = []
        for ix in (compact, stock):
            with ix.searcher() as searcher:
                hits = searcher.search(QueryParser("body", ix.schema).parse(text), limit=None)
                results.append([(hit["id"], hit.score) for hit in hits])
        assert results[0] == results[1] and results[0], text


def _every_field(ix) -> dict:
    """Everything a reader gives back: each indexed field's postings (number, weight,
    value bytes), stored fields, field lengths and sortable column values."""
    with ix.reader() as reader:
        out: dict = {"stored": list(reader.all_stored_fields()), "docs": reader.doc_count_all()}
        for fieldname in reader.indexed_field_names():
            for term in reader.lexicon(fieldname):
                m = reader.postings(fieldname, term)
                rows = []
                while m.is_active():
                    rows.append((m.id(), m.weight(), m.value()))
                    m.next()
                out[(fieldname, term)] = rows
        for fieldname, field in ix.schema.items():
            out[("length", fieldname)] = [reader.doc_field_length(n, fieldname) for n in range(out["docs"])]
            if field.column_type:
                column = reader.column_reader(fieldname)
                out[("column", fieldname)] = [column[n] for n in range(out["docs"])]
        return out


def test_ingest_writer_writes_what_whooshs_writer_writes(tmp_path: Path) -> None:
    """``index_writer``'s writer takes a document's fields a list at a time; identifiers,
    numbers, sortable columns, stored values, boosts and text come out as Whoosh's own
    writer makes them."""
    def schema():
        return Schema(doc_id=ID(stored=True), year=ID(stored=True, sortable=True),
                      ordinal=NUMERIC(stored=True, sortable=True), note=STORED(),
                      body=AnalysedText(analyzer=SimpleAnalyzer(), phrase=True))

    rng = random.Random(11)
    docs = []
    for n in range(600):
        fields = {"doc_id": f"d{n % 250}", "year": str(2014 + n % 8), "ordinal": n % 37,
                  "body": " ".join(rng.choice(WORDS + ["kirjo", "harvinainen"]) for _ in range(rng.randint(1, 30)))}
        if n % 3:
            fields["note"] = {"n": n, "text": "ö" * (n % 5)}
        if n % 50 == 7:
            fields["_body_boost"] = 2.5
        if n % 90 == 4:
            del fields["year"]
        docs.append(fields)
    built = []
    for name, make in (("ours", lambda ix: index_writer(ix, limitmb=32)), ("stock", lambda ix: ix.writer())):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), schema())
        writer = make(ix)
        for fields in docs:
            writer.add_document(**fields)
        writer.commit()
        built.append(_every_field(ix))
    ours, stock = built
    assert ours.keys() == stock.keys() and ours == stock
    assert len(ours[("doc_id", b"d7")]) == 3 and ("column", "ordinal") in ours and ("length", "body") in ours


def test_postings_come_through_runs_on_disk_and_merges(tmp_path: Path) -> None:
    """A writer whose postings outgrow its memory writes sorted runs, in batches that cut
    common terms, and merges them (in rounds past ``MAX_RUNS``); a later writer merging
    segments adds postings one by one.
    Either way the postings are the ones Whoosh writes itself."""
    docs = _documents()
    half = len(docs) // 2
    stock = tmp_path / "stock"
    stock.mkdir()
    ix = whoosh_index.create_in(str(stock), Schema(id=ID(stored=True), body=TEXT(analyzer=SimpleAnalyzer())))
    writer = ix.writer()
    for doc_id, text in docs:
        writer.add_document(id=doc_id, body=text)
    writer.commit()
    expected = _postings(ix)

    spilled = tmp_path / "spilled"
    spilled.mkdir()
    ix = whoosh_index.create_in(str(spilled), Schema(id=ID(stored=True), body=AnalysedText(analyzer=SimpleAnalyzer())))
    writer = index_writer(ix, limitmb=32)
    writer.pool.limit = 60_000
    writer.pool.MAX_RUNS = 3
    writer.pool.BATCH = 40  # common terms cut across batches
    runs = []
    save = writer.pool.save
    writer.pool.save = lambda: (save(), runs.append(len(writer.pool.runs)))
    for doc_id, text in docs[:half]:
        writer.add_document(id=doc_id, body=text)
    writer.commit()
    assert max(runs) > 2 * writer.pool.MAX_RUNS, "several runs, merged in rounds"
    writer = index_writer(ix, limitmb=32)
    for doc_id, text in docs[half:]:
        writer.add_document(id=doc_id, body=text)
    writer.commit()
    assert len(list(ix.reader().leaf_readers())) == 2
    assert _postings(ix) == expected

    writer = index_writer(ix, limitmb=32)
    writer.commit(optimize=True)
    assert len(list(ix.reader().leaf_readers())) == 1
    assert _postings(ix) == expected


def _vocabulary_index(path: Path, compact: bool):
    """Two text fields with a few thousand words (many term-dictionary blocks), words
    sharing long prefixes, and one word in only one field."""
    rng = random.Random(7)
    letters = "aäbdehijklmnoöprstuvy"
    words = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(2, 12))) for _ in range(3000)})
    words += [f"kierto{n:03d}" for n in range(80)]
    path.mkdir()
    schema = Schema(id=ID(stored=True), a=AnalysedText(analyzer=SimpleAnalyzer()),
                    b=AnalysedText(analyzer=SimpleAnalyzer()))
    if not compact:
        schema = Schema(id=ID(stored=True), a=TEXT(analyzer=SimpleAnalyzer()), b=TEXT(analyzer=SimpleAnalyzer()))
    ix = whoosh_index.create_in(str(path), schema)
    writer = index_writer(ix, limitmb=32) if compact else ix.writer()
    for n in range(400):
        picked = rng.sample(words, 25)
        writer.add_document(id=f"d{n}", a=" ".join(picked), b=" ".join(picked[:5] + ["vain_b"] * (n % 2)))
    writer.commit()
    return ix, words


def test_term_dictionary_answers_as_whooshs_own(tmp_path: Path) -> None:
    """Lookups, counts, ordered scans from any point and close-spelling expansion give
    what Whoosh's hash-file dictionary gives, for terms present, absent and between."""
    compact, words = _vocabulary_index(tmp_path / "compact", True)
    stock, _ = _vocabulary_index(tmp_path / "stock", False)
    with compact.reader() as ours, stock.reader() as theirs:
        blocks = len(ours.leaf_readers()[0][0]._terms._tindex._firsts)
        assert blocks > 50, "many term blocks are covered"
        for field in ("a", "b", "id"):
            assert list(ours.lexicon(field)) == list(theirs.lexicon(field))
        probes = words[::7] + ["", "a", "kierto", "kierto05", "zzz", "öööö", "vain_b", "d3", "d399"]
        for field in ("a", "b"):
            for word in probes:
                assert ((field, word) in ours) == ((field, word) in theirs), word
                assert ours.doc_frequency(field, word) == theirs.doc_frequency(field, word), word
                assert ours.frequency(field, word) == theirs.frequency(field, word), word
                assert list(ours.expand_prefix(field, word)) == list(theirs.expand_prefix(field, word)), word
                assert [(t, i.doc_frequency()) for (t, i), _ in zip(ours.iter_from(field, word), range(40))] == \
                    [(t, i.doc_frequency()) for (t, i), _ in zip(theirs.iter_from(field, word), range(40))], word
        for word in ["kierto050", "kiertoo50", words[100], words[2000] + "x", "ab"]:
            found = sorted(ours.terms_within("a", word, 2, prefix=1))
            assert found == sorted(theirs.terms_within("a", word, 2, prefix=1)), word
        assert sorted(ours.terms_within("a", "kierto050", 1, prefix=1))[:3] == ["kierto000", "kierto010", "kierto020"]
        with pytest.raises(TermNotFound):
            ours.term_info("a", "ei_ole")


def _real_texts(fixture_kb) -> list[str]:
    """The fixture's passages and the shipped corpus README's paragraphs."""
    texts = [stored["text"] for stored in fixture_kb._open().reader().all_stored_fields()]
    return texts + (Path(__file__).resolve().parents[1] / "corpus" / "README.md").read_text("utf-8").split("\n\n")


def test_exact_field_postings_are_the_exact_analysers(fixture_kb) -> None:
    """The exact-form field's fast paths (read with a Finnish or Swedish field, or alone
    for other languages) give what Whoosh's own analysis of it gives, on real passages
    and on the cases its tokenizer treats specially."""
    texts = _real_texts(fixture_kb) + [
        "Maankäyttö- ja rakennuslaki, vatten- och avloppsverket; ranta- JA saaristo",
        "EU:n CO2-päästöt 2025 – Ålands kök_ och ÄÄKKÖSET ß İstanbul",
        "sana- sana -sana ja- och",
        "",
        "Avfallshantering i Vanda\x1eOm centralen\x1eÅtervinningscentralen tar emot avfall.",
        "\x1eJätehuolto ja\x1e\x1eja kierrätys\x1e",
    ]
    assert len(texts) > 20
    schema = index_module.build_schema()
    exact = next(f.name for f in analysis.TEXT_FIELDS if f.analyzer == "exact")
    for lang in ("fi", "sv", "en"):
        for text in texts:
            fast = index_module.analyse_fields(text, lang)[exact].items
            assert fast == list(schema[exact].index(text)), (lang, text)


def test_language_field_postings_are_the_language_analysers(fixture_kb) -> None:
    """The Finnish and Swedish fields' fast path gives what Whoosh's own analysis gives
    (terms, their order, weights, positions after stop words), on real passages in both
    languages and on words cut short before a conjunction, which the chain's
    ``ElidedCompoundFilter`` joins to the next compound."""
    texts = _real_texts(fixture_kb) + [
        "Ja se on ja -- och i de ÄÄKKÖSET, Ålands kök_ och huvudstadsregionens avfallshantering",
        "och och jätehuollon jätehuolto EU:n CO2-päästöt 2025 ß İstanbul",
        "Maankäyttö- ja rakennuslaki, vatten- och avloppsverket",
        "elinkeino-, liikenne- ja ympäristökeskus; ranta- tai saaristoluonnon ja ranta- ja",
        "sähkö- ja kaasu- sekä vesihuolto, vatten- eller avlopps- och avfallshanteringen",
        "Ranta- ja ranta- ja rantaluonto. Talo- ja talo",
        "ranta- taikka saaristoluonto, vatten- samt avloppsverket, ranta- eli rantaluonto",
        "ranta- ja ",
        "",
        # A passage's title, heading and text, their positions apart.
        "Avfallshantering i Vanda\x1eOm centralen\x1eÅtervinningscentralen tar emot avfall.",
        "Jätehuolto ja\x1e\x1eja kierrätys\x1eranta- ja\x1esaaristoluonto",
    ]
    schema = index_module.build_schema()
    joined = set()
    for lang in ("fi", "sv"):
        name = next(f.name for f in analysis.TEXT_FIELDS if f.analyzer == lang)
        for text in texts:
            chain = list(schema[name].index(text))
            assert index_module.analyse_fields(text, lang)[name].items == chain, (lang, text)
            joined |= {term.decode() for term, *_ in chain}
    assert {"maankäyttölaki", "vattenverk", "rantaluonto", "liikennekeskus", "kaasuhuolto", "vattenhantering",
            "taikka", "samt"} <= joined


def test_stored_fields_in_blocks_come_back_whole(tmp_path: Path) -> None:
    """Stored fields written in compressed blocks read back per document and in order:
    across many blocks, a value larger than a block, documents with nothing stored, and
    after deletions and a merge into one segment."""
    schema = Schema(id=ID(stored=True), n=NUMERIC(), body=STORED())
    ix = whoosh_index.create_in(str(tmp_path), schema)
    expected: list[dict | None] = []

    def add(writer, n: int) -> None:
        if n % 97 == 5:
            writer.add_document(n=n)  # nothing stored
            expected.append(None)
            return
        body = " ".join(WORDS[(n * k) % len(WORDS)] for k in range(n % 40))
        if n % 211 == 3:
            body = "ö" * 40_000
        writer.add_document(id=f"d{n}", n=n, body=body)
        expected.append({"id": f"d{n}", "body": body})

    writer = index_writer(ix, limitmb=32)
    for n in range(700):
        add(writer, n)
    writer.commit()
    with ix.reader() as reader:
        assert [reader.stored_fields(i) or None for i in range(700)] == expected
        assert list(reader.all_stored_fields()) == [e or {} for e in expected]
        assert reader.stored_fields(699) == expected[699] and reader.stored_fields(3) == expected[3]

    writer = index_writer(ix, limitmb=32)
    writer.delete_by_term("id", "d10")
    for n in range(700, 900):
        add(writer, n)
    writer.commit(optimize=True)
    kept = [e or {} for e in expected if not e or e["id"] != "d10"]
    with ix.reader() as reader:
        assert len(list(reader.leaf_readers())) == 1
        merged = [reader.stored_fields(i) for i in range(reader.doc_count_all())]
        assert list(reader.all_stored_fields()) == merged
        assert sorted(map(sorted_items, merged)) == sorted(map(sorted_items, kept))  # a merge reorders


def sorted_items(stored: dict) -> list:
    return sorted(stored.items())


def test_manifest_is_read_only_when_needed(tmp_path: Path) -> None:
    """A search does not read the manifest; a damaged one is a clear error for what needs it."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Jätehuollon kehittäminen pääkaupunkiseudulla.", encoding="utf-8")
    index = tmp_path / "index"
    KnowledgeBase(index).ingest([folder])
    generation = index_module.IndexStore(index).current()
    assert [entry["relpath"] for entry in generation.manifest.values()] == ["a.txt"]
    (generation.path / index_module.MANIFEST).write_bytes(b"not gzip")

    with KnowledgeBase(index) as kb:
        assert kb.search("jätehuolto")[0].source.endswith("a.txt")
        with pytest.raises(IndexVersionError, match="manifest") as caught:
            kb.stats()
        assert "--rebuild" in caught.value.hint


def test_stored_blocks_with_gaps_at_block_edges() -> None:
    """Documents with no stored value, between blocks and at the end, read back empty and
    leave every other document's value where it was."""
    column = index_module.StoredBlocksColumn(blocksize=8)
    values = {0: b"aaaaaaaaa", 3: b"bb", 4: b"cccccccccc", 7: b"", 8: b"dddddddd", 9: b"e" * 20}
    buffer = io.BytesIO()
    writer = column.writer(StructFile(buffer))
    for docnum, value in values.items():
        writer.add(docnum, value)
    writer.finish(12)
    data = buffer.getvalue()
    reader = column.reader(StructFile(io.BytesIO(data)), 0, len(data), 12)
    expected = [values.get(n, b"") for n in range(12)]
    assert [reader[n] for n in range(12)] == expected
    assert list(reader) == expected
    assert reader[12] == b"" and reader[-1] == b""
