"""Files that cannot be read say so, naming the file and the reason; the rest of a folder still ingests.

Every bad file here is a real one: PDFs made by reportlab (encrypted with
its own encryption, a scan as an image with no text), Office files made by
python-docx and openpyxl then cut short or damaged, text in legacy
encodings, and files whose extension lies about their content.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from fixtures_ocr import needs_tesseract
from helpers import DATA_DIR, LEICESTERSHIRE, STAFFORDSHIRE_000, STAFFORDSHIRE_001, TORBAY
from test_formats import everything

from narrative_search import ingest
from narrative_search.errors import (
    DocumentError,
    EncryptedDocumentError,
    FileTooLargeError,
    NoTextLayerError,
    UnsupportedFormatError,
)
from narrative_search.export import export_jsonl
from narrative_search.ingest import ingest_paths, read_document
from narrative_search.readers.ocr import tesseract_available
from narrative_search.render.text import outcome_table
from narrative_search.store import CorpusStore

# --- bad files, made by real tools -------------------------------------------------


def encrypted_pdf(path: Path, format_corpus) -> None:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret", ownerPassword="owner"))
    page.drawString(72, 720, "Focus Area    Actions    Lead    Progress")
    page.save()


def scanned_pdf(path: Path, format_corpus) -> None:
    """A 'scan': each page an image of an empty table's rules, no text layer, no words for OCR to read."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("RGB", (800, 500), "white")
    draw = ImageDraw.Draw(image)
    for x in (20, 260, 520, 780):
        draw.line([(x, 20), (x, 480)], fill="black", width=2)
    page = canvas.Canvas(str(path))
    for _ in range(2):
        page.drawImage(ImageReader(image), 40, 300, 500, 312)
        page.showPage()
    page.save()


def truncated_pdf(path: Path, format_corpus) -> None:
    whole = format_corpus.path(STAFFORDSHIRE_000, "pdf").read_bytes()
    path.write_bytes(whole[: len(whole) // 2])


def corrupt_pdf(path: Path, format_corpus) -> None:
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 16)


def png_named_pdf(path: Path, format_corpus) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())


def binary_named_docx(path: Path, format_corpus) -> None:
    path.write_bytes(bytes(range(256)) * 12)


def cut_docx(path: Path, format_corpus) -> None:
    whole = format_corpus.path(STAFFORDSHIRE_000, "docx").read_bytes()
    path.write_bytes(whole[: len(whole) // 2])


def _damaged_copy(source: Path, path: Path, part_prefix: str) -> None:
    """A copy of an Office file with one XML part cut in half."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename.startswith(part_prefix):
                data = data[: len(data) // 2]
            copy.writestr(item, data)


def damaged_docx(path: Path, format_corpus) -> None:
    _damaged_copy(format_corpus.path(STAFFORDSHIRE_000, "docx"), path, "word/document.xml")


def damaged_xlsx(path: Path, format_corpus) -> None:
    _damaged_copy(format_corpus.path(LEICESTERSHIRE, "xlsx"), path, "xl/worksheets/")


def other_zip_named_docx(path: Path, format_corpus) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plan.txt", (DATA_DIR / STAFFORDSHIRE_000).read_text(encoding="utf-8"))


def old_word_doc(path: Path, format_corpus) -> None:
    # The compound-file header every Word 97-2003 .doc starts with.
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"Microsoft Word-Dokument".ljust(1024, b"\x00"))


def encrypted_xlsx(path: Path, format_corpus) -> None:
    # Password-protected .xlsx/.docx files are compound files holding these streams.
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
        + "EncryptionInfo".encode("utf-16-le") + bytes(50) + "EncryptedPackage".encode("utf-16-le") + bytes(512)
    )


def empty_pdf(path: Path, format_corpus) -> None:
    path.write_bytes(b"")


def blank_text(path: Path, format_corpus) -> None:
    path.write_bytes(b" \n\t\r\n")


def binary_text(path: Path, format_corpus) -> None:
    path.write_bytes(bytes(range(256)) * 8)


def markdown_notes(path: Path, format_corpus) -> None:
    path.write_text("# Notes\nFocus Area\tActions\tLead\n", encoding="utf-8")


def prose_only_pdf(path: Path, format_corpus) -> None:
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path))
    page.drawString(72, 720, "Minutes of the SEND board. Nothing was agreed.")
    page.save()


# A scan with no words: OCR reads nothing; where tesseract is missing, the error says how to install it.
SCANNED_CASE = (
    (scanned_pdf, NoTextLayerError, "no text layer (scanned?) and OCR read no text")
    if tesseract_available()
    else (scanned_pdf, DocumentError, "tesseract, which reads scans, is not installed")
)

BAD_FILES = [
    # name, builder, error class, what the message must say
    ("empty.pdf", empty_pdf, DocumentError, "the file is empty"),
    ("blank.txt", blank_text, DocumentError, "the file is empty"),
    ("corrupt.pdf", corrupt_pdf, DocumentError, "the PDF is damaged or not a PDF"),
    ("truncated.pdf", truncated_pdf, DocumentError, "the PDF is damaged or not a PDF"),
    ("encrypted.pdf", encrypted_pdf, EncryptedDocumentError, "the PDF is encrypted (password-protected)"),
    ("scanned.pdf", *SCANNED_CASE),
    ("photo.pdf", png_named_pdf, UnsupportedFormatError, "named .pdf but is not a PDF: it is a PNG image; a scan needs OCR"),
    ("binary.docx", binary_named_docx, UnsupportedFormatError, "named .docx but is not a Word document (.docx): such a file is a zip package and this is not one"),
    ("cut.docx", cut_docx, UnsupportedFormatError, "it is a damaged zip archive"),
    ("damaged.docx", damaged_docx, DocumentError, "the Word file is damaged"),
    ("archive.docx", other_zip_named_docx, UnsupportedFormatError, "a zip archive that is not an Office document"),
    ("damaged.xlsx", damaged_xlsx, DocumentError, "could not be read as an Excel workbook (.xlsx)"),
    ("old.doc", old_word_doc, UnsupportedFormatError, "a Word 97-2003 document (.doc) is not supported"),
    ("locked.xlsx", encrypted_xlsx, EncryptedDocumentError, "password-protected (encrypted) Office document"),
    ("binary.txt", binary_text, DocumentError, "the file is binary"),
    ("notes.md", markdown_notes, UnsupportedFormatError, "unsupported file type '.md'"),
]


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory, format_corpus) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    for name, build, _cls, _reason in BAD_FILES:
        build(folder / name, format_corpus)
    return folder


@pytest.mark.parametrize("name, build, error_class, reason", BAD_FILES, ids=[case[0] for case in BAD_FILES])
def test_each_bad_file_names_itself_and_the_reason(bad_folder, name, build, error_class, reason):
    path = bad_folder / name
    with pytest.raises(DocumentError) as raised:
        read_document(path, council="Staffordshire")
    error = raised.value
    assert isinstance(error, error_class), f"{type(error).__name__}: {error}"
    assert error.path == str(path)
    assert str(error).startswith(f"{path}: ")
    assert reason in error.reason


def test_a_pdf_of_undated_prose_is_stored_as_text_with_a_council_and_refused_without_one(tmp_path, format_corpus):
    """No table and no dated progress: kept as searchable text (with a warning) once its council is known."""
    path = tmp_path / "prose.pdf"
    prose_only_pdf(path, format_corpus)
    reading = read_document(path, council="Staffordshire")
    assert reading.document.read_as == "text only" and reading.actions == []
    assert [span.text for span in reading.unattributed] == ["Minutes of the SEND board. Nothing was agreed."]
    assert any("stored as searchable text only" in warning and "ruling lines" in warning for warning in reading.warnings)
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    assert "no action table found" in raised.value.reason and "ruling lines" in raised.value.reason


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:
        handle.truncate(ingest.MAX_FILE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(FileTooLargeError) as raised:
        read_document(path, council="Staffordshire")
    assert str(raised.value).startswith(f"{path}: the file is too large (50.0 MB; the limit is 50 MB")


@needs_tesseract
def test_a_pdf_with_a_scanned_page_reads_the_others_and_says_which_was_not(tmp_path):
    from PIL import Image as PILImage
    from reportlab.lib import colors
    from reportlab.platypus import Image, PageBreak, SimpleDocTemplate, Table, TableStyle

    scan = tmp_path / "scan.png"
    PILImage.new("RGB", (300, 200), "white").save(scan)
    path = tmp_path / "plan.pdf"
    table = Table(
        [["Ref", "Actions", "Lead", "RAG", "Progress update"], ["1.1", "Agree the plan", "A. Lead", "G", "Jan 2022: agreed"]],
        style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]),
    )
    SimpleDocTemplate(str(path)).build([table, PageBreak(), Image(str(scan), 300, 200)])
    reading = read_document(path, council="Example")
    assert [a.ref for a in reading.actions] == ["1.1"]
    assert reading.warnings[0] == "page(s) 2 have no text layer (scanned?) and OCR read no text on them"


def test_a_reader_that_fails_unexpectedly_still_gives_a_document_error(tmp_path, monkeypatch, format_corpus):
    from narrative_search.readers import word

    def broken(path):
        raise KeyError("w:tbl")

    monkeypatch.setattr(word, "read_docx", broken)
    path = tmp_path / "plan.docx"
    shutil.copy(format_corpus.path(STAFFORDSHIRE_000, "docx"), path)
    with pytest.raises(DocumentError) as raised:
        read_document(path, council="Staffordshire")
    assert raised.value.reason == "could not be read as a Word document (.docx): KeyError: 'w:tbl'"


# --- extensions that lie ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, fmt, warning",
    [
        ("plan.pdf", ("text", STAFFORDSHIRE_000), "text", "the file is named .pdf but is plain or tab-separated text"),
        ("plan.docx", ("text", STAFFORDSHIRE_000), "text", "the file is named .docx but is plain or tab-separated text"),
        ("plan.pdf", ("docx", STAFFORDSHIRE_000), "docx", "the file is named .pdf but is a Word document (.docx)"),
        ("plan.xls", ("html", STAFFORDSHIRE_000), "html", "the file is named .xls but is a web page (HTML)"),
        ("plan.txt", ("pdf", STAFFORDSHIRE_000), "pdf", "the file is named .txt but is a PDF"),
        ("plan.csv", ("xlsx", LEICESTERSHIRE), "xlsx", "the file is named .csv but is an Excel workbook (.xlsx)"),
    ],
    ids=lambda value: value if isinstance(value, str) and "." in value and " " not in value else None,
)
def test_a_readable_file_with_the_wrong_extension_is_read_by_its_content(tmp_path, format_corpus, readings, name, content, fmt, warning):
    kind, source = content
    path = tmp_path / name
    if kind == "text":
        shutil.copy(DATA_DIR / source, path)
    else:
        shutil.copy(format_corpus.path(source, kind), path)
    reading = read_document(path, council=readings[source].document.council)
    assert reading.document.format == fmt
    assert warning in reading.warnings[0]
    assert [a.ref for a in reading.actions] == [a.ref for a in readings[source].actions]


# --- text that is not UTF-8 -----------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, bom, note",
    [
        ("utf-8", b"\xef\xbb\xbf", None),
        ("utf-16-le", b"\xff\xfe", "read as utf-16"),
        ("utf-16-be", b"\xfe\xff", "read as utf-16"),
        ("utf-16-le", b"", "read as utf-16-le"),
        ("cp1252", b"", "read as cp1252"),
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le-no-bom", "cp1252"],
)
def test_text_in_other_encodings_reads_as_utf_8_does(tmp_path, readings, encoding, bom, note):
    # Leicestershire prints en dashes and curly quotes: in cp1252 they are
    # bytes that Latin-1 would read as control characters.
    text = (DATA_DIR / LEICESTERSHIRE).read_text(encoding="utf-8")
    path = tmp_path / "plan.txt"
    path.write_bytes(bom + text.encode(encoding))
    reading = read_document(path, entry=ingest.load_manifest(DATA_DIR)[LEICESTERSHIRE])
    assert [everything(a) for a in reading.actions] == [everything(a) for a in readings[LEICESTERSHIRE].actions]
    notes = [w for w in reading.warnings if "not UTF-8" in w]
    assert notes == ([f"the text is not UTF-8: {note}"] if note else [])


def test_a_sources_csv_saved_by_excel_in_cp1252_is_read(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "sources.csv").write_bytes(
        "file,council,title,as-of\nplan.txt,Leicestershire,Plan \u2013 draft,2020-08\n".encode("cp1252")
    )
    entry = ingest.load_manifest(folder)["plan.txt"]
    assert (entry.council, entry.title, entry.as_of) == ("Leicestershire", "Plan \u2013 draft", "2020-08")


# --- a folder of downloads ----------------------------------------------------------------


def export(store: CorpusStore) -> list[str]:
    buffer = io.StringIO()
    export_jsonl(store, buffer)
    return sorted(buffer.getvalue().splitlines())


@pytest.fixture
def downloads(tmp_path, bad_folder, format_corpus) -> Path:
    """Good files of four formats with a sources.csv, and every bad file."""
    folder = tmp_path / "downloads"
    shutil.copytree(bad_folder, folder)
    shutil.copy(format_corpus.path(STAFFORDSHIRE_000, "docx"), folder / "staffs-summary.docx")
    shutil.copy(format_corpus.path(STAFFORDSHIRE_001, "pdf"), folder / "staffs-priority-3.pdf")
    shutil.copy(format_corpus.path(LEICESTERSHIRE, "xlsx"), folder / "leics-wsoa.xlsx")
    shutil.copy(format_corpus.path(STAFFORDSHIRE_001, "html"), folder / "staffs-priority-3.html")
    (folder / "~$affs-summary.docx").write_bytes(b"\x05Owner" + bytes(150))  # Word's lock file: not a document
    (folder / "sources.csv").write_text(
        "file,council,title,as-of\n"
        "staffs-summary.docx,Staffordshire,WSoA monitoring summary,2021-12\n"
        "staffs-priority-3.pdf,Staffordshire,Priority 3 tracker,2021-12\n"
        "staffs-priority-3.html,Staffordshire,Priority 3 tracker (web),2021-12\n"
        "leics-wsoa.xlsx,Leicestershire,WSoA early draft,2020-08\n",
        encoding="utf-8",
    )
    return folder


GOOD = {
    "staffs-summary.docx": ("docx", "Staffordshire", 9),
    "staffs-priority-3.pdf": ("pdf", "Staffordshire", 18),
    "staffs-priority-3.html": ("html", "Staffordshire", 18),
    "leics-wsoa.xlsx": ("xlsx", "Leicestershire", 33),
}


def test_a_folder_ingests_its_good_files_and_refuses_the_bad_without_touching_the_store(tmp_path, downloads):
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        store.save_reading(read_document(DATA_DIR / TORBAY, council="Torbay"))
        before = export(store)
        outcomes = ingest_paths(store, [downloads])
        by_name = {outcome.path.name: outcome for outcome in outcomes}
        assert set(by_name) == set(GOOD) | {name for name, *_ in BAD_FILES}  # the lock file and manifest skipped
        for name, (fmt, council, actions) in GOOD.items():
            outcome = by_name[name]
            assert (outcome.status, outcome.format, outcome.council, outcome.result.actions) == ("new", fmt, council, actions), outcome.error
        for name, _build, _cls, reason in BAD_FILES:
            outcome = by_name[name]
            assert outcome.status == "error" and outcome.result is None
            assert outcome.error == f"{downloads / name}: {outcome.reason}" and reason in outcome.reason
        torbay = {line for line in before}
        assert torbay <= set(export(store))  # what was stored before is still there, unchanged
        assert [s.name for s in store.document_summary(council="Torbay")] == [TORBAY]
        assert sorted(d.name for d in store.documents()) == sorted([TORBAY, *GOOD])


def test_subfolders_are_read_with_their_own_sources_csv_and_hidden_or_home_folders_are_not(tmp_path, format_corpus):
    downloads = tmp_path / "downloads"
    for _council, sub in (("Staffordshire", "staffs/2021"), ("Leicestershire", "leics")):
        (downloads / sub).mkdir(parents=True)
    shutil.copy(format_corpus.path(STAFFORDSHIRE_000, "docx"), downloads / "staffs/2021" / "summary.docx")
    (downloads / "staffs/2021" / "sources.csv").write_text("file,council\nsummary.docx,Staffordshire\n", encoding="utf-8")
    shutil.copy(format_corpus.path(LEICESTERSHIRE, "xlsx"), downloads / "leics" / "wsoa.xlsx")
    (downloads / "leics" / "sources.csv").write_text("file,council\nwsoa.xlsx,Leicestershire\n", encoding="utf-8")
    for skipped in (".cache", "index"):  # a hidden folder, and a narrative-search home inside the folder
        (downloads / skipped).mkdir()
        shutil.copy(format_corpus.path(STAFFORDSHIRE_001, "pdf"), downloads / skipped / "other.pdf")
    (downloads / "index" / "corpus.sqlite").write_bytes(b"")
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        outcomes = ingest_paths(store, [downloads])
        assert [(o.path.relative_to(downloads).as_posix(), o.status, o.council) for o in outcomes] == [
            ("leics/wsoa.xlsx", "new", "Leicestershire"),
            ("staffs/2021/summary.docx", "new", "Staffordshire"),
        ]


def test_two_files_of_the_same_name_in_one_ingest_are_both_kept(tmp_path, format_corpus):
    downloads = tmp_path / "downloads"
    for sub in ("a", "b"):
        (downloads / sub).mkdir(parents=True)
    shutil.copy(format_corpus.path(STAFFORDSHIRE_000, "docx"), downloads / "a" / "progress.docx")
    shutil.copy(format_corpus.path(STAFFORDSHIRE_001, "docx"), downloads / "b" / "progress.docx")
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        first, second = ingest_paths(store, [downloads], council="Staffordshire")
        assert first.status == "new" and first.result.actions == 9
        assert second.status == "new" and second.result.document == "progress (Staffordshire).docx"
        assert second.kept_beside is not None and second.kept_beside.name == "progress.docx"
        assert [d.name for d in store.documents()] == ["progress (Staffordshire).docx", "progress.docx"]


def test_a_second_run_reads_only_new_and_changed_files(tmp_path, downloads, monkeypatch):
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        ingest_paths(store, [downloads])
        after_first = export(store)
        read = []
        real_read = ingest.read_document
        monkeypatch.setattr(ingest, "read_document", lambda path, **kw: read.append(path.name) or real_read(path, **kw))
        outcomes = ingest_paths(store, [downloads])
        statuses = {o.path.name: o.status for o in outcomes if o.status != "error"}
        assert statuses == dict.fromkeys(GOOD, "unchanged")
        assert not set(read) & set(GOOD)  # unchanged files are not read again; bad ones are retried
        assert {o.path.name: o.result.actions for o in outcomes if o.result} == {n: g[2] for n, g in GOOD.items()}
        assert export(store) == after_first
        # A changed file is read again and replaces its rows; a new title re-files unchanged bytes.
        shutil.copy(DATA_DIR / STAFFORDSHIRE_000, downloads / "staffs-summary.docx")
        manifest = (downloads / "sources.csv").read_text(encoding="utf-8")
        (downloads / "sources.csv").write_text(manifest.replace("WSoA early draft", "WSoA draft v2"), encoding="utf-8")
        read.clear()
        outcomes = {o.path.name: o for o in ingest_paths(store, [downloads])}
        assert outcomes["staffs-summary.docx"].status == "replaced"
        assert outcomes["staffs-summary.docx"].format == "text"
        assert "named .docx but is plain or tab-separated text" in outcomes["staffs-summary.docx"].message
        assert outcomes["leics-wsoa.xlsx"].status == "replaced"
        assert store.get_document("leics-wsoa.xlsx").title == "WSoA draft v2"
        assert outcomes["staffs-priority-3.pdf"].status == "unchanged"
        assert set(read) & set(GOOD) == {"staffs-summary.docx", "leics-wsoa.xlsx"}


def test_the_ingest_table_has_a_line_per_file(tmp_path, downloads):
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        table = outcome_table(ingest_paths(store, [downloads]))
    lines = table.split("\n")
    assert lines[0].split() == ["file", "format", "council", "actions", "updates", "status", "message"]
    assert len(lines) == 2 + len(GOOD) + len(BAD_FILES)
    leics = next(line for line in lines if line.startswith("leics-wsoa.xlsx"))
    assert leics.split()[:6] == ["leics-wsoa.xlsx", "xlsx", "Leicestershire", "33", "0", "new"]
    scanned = next(line for line in lines if line.startswith("scanned.pdf"))
    assert scanned.split()[1:5] == ["-", "-", "-", "-"] and " error " in scanned
    assert scanned.endswith(
        "no text layer (scanned?) and OCR read no text: none of its 2 page(s) has text to read"
        if tesseract_available()
        else "is not installed: run `make test` or `apt-get install tesseract-ocr tesseract-ocr-eng`"
    )


def test_the_workspace_ingest_also_refuses_bad_files_and_keeps_good_ones(tmp_path, downloads):
    """The ingest the CLI runs today (workspace.ingest_paths) reads every format the same way."""
    workspace = pytest.importorskip("narrative_search.workspace")
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        outcomes = {o.path.name: o for o in workspace.ingest_paths(store, [downloads])}
        for name, (_fmt, _council, actions) in GOOD.items():
            assert outcomes[name].result.actions == actions
        for name, _build, _cls, reason in BAD_FILES:
            assert outcomes[name].result is None and reason in outcomes[name].error


def test_an_unexpected_failure_on_one_file_does_not_stop_the_folder(tmp_path, monkeypatch, format_corpus):
    from narrative_search import plans

    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(DATA_DIR / STAFFORDSHIRE_000, folder / "a-first.txt")
    shutil.copy(format_corpus.path(LEICESTERSHIRE, "xlsx"), folder / "b-second.xlsx")
    real_plan = plans.plan_document

    def plan_failing_on_text(rows, document):
        if document.format == "text":
            raise IndexError("list index out of range")
        return real_plan(rows, document)

    monkeypatch.setattr(ingest, "plan_document", plan_failing_on_text)
    with CorpusStore(tmp_path / "corpus.sqlite") as store:
        first, second = ingest_paths(store, [folder], council="Leicestershire")
        assert first.status == "error"
        assert first.reason == "unexpected error while reading it (IndexError: list index out of range); please report this"
        assert (second.status, second.result.actions) == ("new", 33)
        assert [d.name for d in store.documents()] == ["b-second.xlsx"]
