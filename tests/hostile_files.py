"""Generate a folder of hostile input files (and good ones beside them) at test time.

Nothing here is committed as data: every file, including the 20 MB HTML page and the
PDFs (drawn with reportlab), is written into a temporary folder when a test asks for it.
``make_hostile_folder(root)`` returns what each file must lead to, so a test can check
that every bad file got a one-line reason and every good file was indexed.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

#: Words that must survive decoding with å, ä and ö intact (one per legacy-encoded page).
CP1252_WORD = "Hämeenlinnassa"
LATIN1_WORD = "Åbolänning"
SPACED_WORD = "kaukolämpöverkosto"
PDF_WORD = "aurinkopaneelit"
HUGE_WORD = "megasivuston"
NESTED_WORD = "sisäkkäisyys"
NON_UTF8_NAME_WORD = "latinalainen"


@dataclass(frozen=True)
class Expect:
    """What ingesting one file must give: indexed, or failed/skipped with a reason."""

    outcome: str  # "indexed" | "failed" | "skipped" | "indexed-or-failed"
    reason: str = ""  # regex the one-line reason must match (failed/skipped)
    word: str = ""  # a word a search must find when the file is indexed


def _finnish_paragraphs(word: str, n: int = 6) -> str:
    sentence = (f"Kaupungin {word} uudistetaan vaiheittain vuoteen 2030 mennessä, ja "
                "asukkaat voivat seurata hankkeen etenemistä verkossa. ")
    return "\n\n".join(sentence * 3 for _ in range(n))


def _pdf(pages: list[str] | None, *, encrypt: str | None = None) -> bytes:
    """A PDF drawn with reportlab: text pages, or only shapes when ``pages`` is None."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    kwargs = {}
    if encrypt:
        kwargs["encrypt"] = StandardEncryption(encrypt, ownerPassword="owner-" + encrypt, canPrint=0)
    pdf = canvas.Canvas(buffer, pagesize=A4, **kwargs)
    if pages is None:  # no text layer: a "scanned" page of shapes only
        for _ in range(2):
            for i in range(40):
                pdf.rect(50 + i * 10, 100 + i * 15, 80, 12, fill=1)
            pdf.circle(300, 600, 80, fill=0)
            pdf.showPage()
    else:
        for text in pages:
            y = 800
            for line in re.findall(r".{1,80}(?:\s|$)", text.replace("\n", " ")):
                pdf.drawString(50, y, line.strip())
                y -= 14
                if y < 60:
                    break
            pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def unknown_filter_pdf() -> bytes:
    """A PDF whose page is compressed with a filter no reader knows (pypdf raised an
    error of its own, not a PdfReadError; the whole ingest stopped)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pageCompression=1)
    pdf.drawString(50, 800, "Tuntematon pakkaus")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue().replace(b"/FlateDecode", b"/FooooDecode")  # same length: offsets hold


def good_pdf() -> bytes:
    return _pdf([f"Sivu {n}. " + _finnish_paragraphs(PDF_WORD, 2) for n in range(1, 4)])


#: Text in both legacy pages; the windows-1252 one adds characters Latin-1 lacks.
LEGACY_TEXT = "Åsikter om förändringar i Helsingfors stad välkomnas"
CP1252_ONLY = "Hinta 5 € – edullinen"


def _legacy_html(word: str, title: str, extra: str = "") -> str:
    # No <meta charset>, no XML declaration: the bytes alone must be decoded right.
    body = (f"Kaupunki ja {word} tekevät yhteistyötä. {LEGACY_TEXT}. "
            f"Här får man göra och läsa mycket. {extra}")
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            + "".join(f"<p>{body} Kappale {i}.</p>" for i in range(8))
            + "</article></body></html>")


def huge_html(target_bytes: int = 20 * 2**20) -> bytes:
    """A real-looking 20 MB page: many paragraphs of running text."""
    para = (f"<p>Tämä {HUGE_WORD} kappale kertoo energiatehokkuudesta, liikenteestä ja "
            "asumisesta Helsingin Kalasatamassa sekä Espoossa.</p>\n").encode("utf-8")
    head = b"<!DOCTYPE html><html lang='fi'><head><meta charset='utf-8'><title>Iso sivu</title></head><body><main>\n"
    tail = b"</main></body></html>\n"
    count = max(1, (target_bytes - len(head) - len(tail)) // len(para))
    return head + para * count + tail


def nested_html(depth: int = 100_000) -> bytes:
    return (b"<html><head><meta charset='utf-8'><title>Sis\xc3\xa4kk\xc3\xa4in</title></head><body>"
            + b"<div>" * depth
            + f"<p>Syvä {NESTED_WORD} testaa jäsentimen rajoja. Tekstiä on tässä.</p>".encode("utf-8")
            + b"</div>" * depth + b"</body></html>")


def make_hostile_folder(root: Path, *, huge: bool = True, nested: bool = True,
                        unreadable: bool = True) -> dict[str, Expect]:
    """Write the bad files and good ones beside them; return the expected outcome per name.

    Names are relative to ``root``. ``huge`` and ``nested`` add the two slow pages (the
    20 MB one and 100,000 nested divs). ``unreadable`` adds ``unreadable.txt`` with mode 000:
    it is only unreadable to a process that is not root (see tests/test_hostile.py).
    """
    root.mkdir(parents=True, exist_ok=True)
    expect: dict[str, Expect] = {}

    def write(name: str, data: bytes | str, outcome: Expect) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        expect[name] = outcome

    # -- good files, which must be indexed whatever lies beside them -----------------
    write("hyvä teksti.txt", "Hyvä teksti\n\n" + _finnish_paragraphs("ilmastotavoite"),
          Expect("indexed", word="ilmastotavoite"))
    write("kansio med mellanslag/Årsrapport för 2020 – ä ö.txt",
          "Årsrapport\n\n" + _finnish_paragraphs(SPACED_WORD), Expect("indexed", word=SPACED_WORD))
    write("sivu.html", "<html lang='fi'><head><meta charset='utf-8'><title>Sivu</title></head>"
          "<body><article><h1>Sivu</h1><p>" + _finnish_paragraphs("pyöräilyreitti", 2)
          + "</p></article></body></html>", Expect("indexed", word="pyöräilyreitti"))
    write("raportti.pdf", good_pdf(), Expect("indexed", word=PDF_WORD))
    # Legacy 8-bit pages without any charset declaration: å/ä/ö must come through.
    write("windows-1252.html", _legacy_html(CP1252_WORD, "Ympäristö", CP1252_ONLY).encode("cp1252"),
          Expect("indexed", word=CP1252_WORD))
    write("iso-8859-1.html", _legacy_html(LATIN1_WORD, "Förändring").encode("latin-1"),
          Expect("indexed", word=LATIN1_WORD))

    # -- bad files, each of which must give a one-line reason ------------------------
    pdf = good_pdf()
    write("corrupt.pdf", pdf[:9] + os.urandom(4000), Expect("failed", r"pdf"))
    write("truncated.pdf", pdf[: len(pdf) // 3], Expect("failed", r"pdf"))
    write("encrypted.pdf", _pdf(["Salainen " + _finnish_paragraphs("salasana", 1)], encrypt="secret"),
          Expect("failed", r"encrypted|password"))
    write("scanned.pdf", _pdf(None), Expect("failed", r"no text layer"))
    write("empty.txt", b"", Expect("failed", r"empty"))
    write("whitespace.md", b"\n \n\t\n", Expect("failed", r"empty|no text"))
    write("binary.html", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 64,
          Expect("failed", r"binary"))
    write("only-script.html", "<html><head><script>var a = 1;</script></head><body><nav>Valikko</nav>"
          "<script>alert(1)</script></body></html>", Expect("failed", r"no article text|no text"))
    if nested:
        write("nested.html", nested_html(), Expect("indexed-or-failed", r"nested|deep", word=NESTED_WORD))
    if huge:
        write("huge.html", huge_html(), Expect("indexed-or-failed", r"large|limit|characters", word=HUGE_WORD))
    write("unsupported.docx", b"PK\x03\x04 not really", Expect("skipped", r"unsupported"))
    # Errors the parsers raise that no one listed: each fails its file, never the ingest.
    write("undeclared-prefix.xml", '<?xml version="1.0"?><a:b>Nimiavaruus puuttuu.</a:b>',
          Expect("failed", r"cannot be read \(ValueError"))
    write("surrogate-charref.rss", '<?xml version="1.0"?><rss version="2.0"><channel><title>Uutiset</title>'
          "<item><title>Viallinen</title><description>Merkki &#xD800; ei ole merkki.</description></item>"
          "</channel></rss>", Expect("indexed-or-failed", r"cannot be read", word="viallinen"))
    write("unknown-filter.pdf", unknown_filter_pdf(), Expect("failed", r"not a readable PDF"))
    # A charset that is no text encoding (base64) is no charset: the bytes decide.
    write("charset-base64.html", ("<html><head><meta charset=base64><title>Outo</title></head><body><article>"
                                  f"<p>{_finnish_paragraphs(CP1252_WORD, 1)}</p></article></body></html>")
          .encode("cp1252"), Expect("indexed", word=CP1252_WORD))
    # Text saved decomposed (macOS): found by the letters a user types.
    write("hajotettu.md", unicodedata.normalize("NFD", "Hajotettu\n\n" + _finnish_paragraphs("jätehuoltokeskus")),
          Expect("indexed", word="jätehuoltokeskus"))
    # windows-1252 with ä or ö just before a closing quote (E4 94 looked like UTF-8's start).
    write("kysely.txt", ("Kysely\n\nAsukkaat sanoivat ”hyvä”, ”erittäin hyvä” ja ”tärkeää”. "
                         + _finnish_paragraphs("tyytyväisyyskysely", 1)).encode("cp1252"),
          Expect("indexed", word="tyytyväisyyskysely"))
    # Larger than the file size limit: refused before a byte is read (sparse: no disk used).
    with open(root / "oversized.txt", "wb") as handle:
        handle.truncate(70 * 2**20)
    expect["oversized.txt"] = Expect("failed", r"limit is \d+ MB")

    # Symlink loops: a file that points at itself, two that point at each other,
    # and a folder link back to its parent (which must not make the walk go round).
    os.symlink("self-loop.html", root / "self-loop.html")
    expect["self-loop.html"] = Expect("failed", r"symlink loop|too many levels")
    os.symlink("loop-b.txt", root / "loop-a.txt")
    os.symlink("loop-a.txt", root / "loop-b.txt")
    expect["loop-a.txt"] = Expect("failed", r"symlink loop|too many levels")
    expect["loop-b.txt"] = Expect("failed", r"symlink loop|too many levels")
    (root / "alikansio").mkdir()
    write("alikansio/sisältö.txt", "Sisältö\n\n" + _finnish_paragraphs("alikansioteksti"),
          Expect("indexed", word="alikansioteksti"))
    os.symlink("..", root / "alikansio" / "takaisin")
    expect["alikansio/takaisin"] = Expect("skipped", r"link")

    # A FIFO named .txt: opening it would block forever; it must be passed over.
    os.mkfifo(root / "putki.txt")
    expect["putki.txt"] = Expect("skipped", r"not a regular file")

    if unreadable:
        path = root / "unreadable.txt"
        path.write_text("Lukukelvoton\n\n" + _finnish_paragraphs("lukukelvoton"), encoding="utf-8")
        path.chmod(0)
        expect["unreadable.txt"] = Expect("failed", r"permission denied|not readable")
    return expect


def add_non_utf8_name(root: Path) -> str | None:
    """A file whose name is Latin-1 bytes (not UTF-8), as copied from an old Windows share.

    Returns the name as Python sees it (with surrogate escapes), or None when the file
    system refuses such names.
    """
    raw = os.fsencode(str(root)) + b"/r\xe4tt och fel \xe5\xe4\xf6.txt"
    try:
        with open(raw, "wb") as handle:
            handle.write(("Rätt och fel\n\n" + _finnish_paragraphs(NON_UTF8_NAME_WORD)).encode("utf-8"))
    except OSError:
        return None
    return os.fsdecode(raw)[len(str(root)) + 1:]
