"""The corpus store: every document's reading, kept in one SQLite file.

Several reports of one plan print the same action (Staffordshire's 000 and 001
both print "3.3 C") and repeat the same dated updates. The store keeps one
``actions`` row per action id, one ``action_rows`` row per report that prints
it, and one ``updates`` row per distinct update, with an ``update_sources`` row
for every place it was printed. Reading an action back merges them into a
:class:`MergedAction`.

A document is the unit of change: saving a new version of a file replaces all
its rows in one transaction and removes whatever only it supported.

Records keep the row number (``line``) the reader gave them; the ``locations``
table says where that row is in the file in the format's own words ("page 3",
"table 2 row 5"), so a source can be cited as a person would look it up
(:meth:`CorpusStore.location`). Plain text files have no entries: their row
numbers are their lines.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence, Union

from .config import SCHEMA_VERSION
from .errors import NarrativeSearchError
from .merge import action_order, is_same_update, settle_wording, update_content_key
from .model import (
    REPORT_FIELDS,
    Action,
    Citation,
    Document,
    DocumentReading,
    DocumentSpan,
    DocumentSummary,
    MergedAction,
    MergedUpdate,
    SaveResult,
    SaveStatus,
    Status,
    TextSpan,
    Update,
    Variant,
    Verdict,
    describe_location,
)
from .months import month_sort_key

PathLike = Union[str, Path]

# Schema version 2 added it; kept apart so a version-1 file is migrated with
# exactly the definition a new file gets.
_LOCATIONS_SCHEMA = """
CREATE TABLE locations (
    document        TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    line            INTEGER NOT NULL,
    location        TEXT NOT NULL,  -- "page 3", "sheet 'Plan' row 12", "table 2 row 5"
    PRIMARY KEY (document, line)
) WITHOUT ROWID;
"""

# Schema version 3 added them (prose documents: sections beside actions, and
# how each document was read); one definition serves new files and the
# migration of version-2 files, so both get exactly the same columns.
_ACTION_KIND_COLUMN = "kind            TEXT NOT NULL DEFAULT 'action'"
_READ_AS_COLUMN = "read_as         TEXT NOT NULL DEFAULT ''"
_SECTIONS_SCHEMA_V3 = f"""
ALTER TABLE actions ADD COLUMN {_ACTION_KIND_COLUMN};
ALTER TABLE documents ADD COLUMN {_READ_AS_COLUMN};
"""

# -- verdicts (issue 12, shape 7): schema version 3 added them; kept apart, as
# the locations, so a version-2 file is migrated with the definition a new file gets.
_VERDICTS_SCHEMA = """
CREATE TABLE verdicts (
    id              INTEGER PRIMARY KEY,
    document        TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    line            INTEGER NOT NULL,
    council         TEXT NOT NULL,
    event           TEXT NOT NULL,  -- "revisit" or "monitoring"
    date            TEXT,           -- YYYY-MM of the event, NULL where not printed
    weakness        TEXT,           -- as printed, where one is named
    verdict         TEXT NOT NULL,  -- "sufficient", "insufficient", "closed", "still monitored"
    sufficient      INTEGER,
    total           INTEGER,
    text            TEXT NOT NULL DEFAULT ''  -- the sentence as printed
);
CREATE INDEX verdicts_by_council ON verdicts(council, date);
CREATE INDEX verdicts_by_doc     ON verdicts(document, line);
"""
# -- end of verdicts

# Schema version 4 added them (issue 17): whether a document was read by OCR
# (scanned pages) and the mean confidence of the words OCR read, 0-100.
_OCR_COLUMNS = ("ocr             INTEGER NOT NULL DEFAULT 0", "ocr_confidence  REAL")
_OCR_SCHEMA_V4 = "".join(f"ALTER TABLE documents ADD COLUMN {column};\n" for column in _OCR_COLUMNS)

#: Statements that bring a store of each older schema version to the next one.
_MIGRATIONS = {
    1: _LOCATIONS_SCHEMA,
    2: _SECTIONS_SCHEMA_V3 + _VERDICTS_SCHEMA,
    3: _OCR_SCHEMA_V4,
}

SCHEMA = f"""
CREATE TABLE documents (
    name            TEXT PRIMARY KEY,
    council         TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    as_of           TEXT,
    sha256          TEXT NOT NULL DEFAULT '',
    format          TEXT NOT NULL DEFAULT 'text',
    path            TEXT NOT NULL DEFAULT '',
    ingested_at     TEXT NOT NULL,
    dropped_chars   INTEGER NOT NULL DEFAULT 0,
    warnings        TEXT NOT NULL DEFAULT '[]',
    {_READ_AS_COLUMN},
    {_OCR_COLUMNS[0]},
    {_OCR_COLUMNS[1]}
);

CREATE TABLE actions (
    id              TEXT PRIMARY KEY,
    council         TEXT NOT NULL,
    ref             TEXT,
    {_ACTION_KIND_COLUMN}
);

CREATE TABLE action_rows (
    id              INTEGER PRIMARY KEY,
    action_id       TEXT NOT NULL REFERENCES actions(id),
    document        TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    line            INTEGER NOT NULL,
    ref_printed     TEXT,
    ref_note        TEXT NOT NULL DEFAULT '',
    priority        TEXT NOT NULL DEFAULT '',
    focus_area      TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL DEFAULT '',
    lead            TEXT NOT NULL DEFAULT '',
    evidence        TEXT NOT NULL DEFAULT '',
    impact          TEXT NOT NULL DEFAULT '',
    due_printed     TEXT NOT NULL DEFAULT '',
    due             TEXT,
    fields          TEXT NOT NULL DEFAULT '{{}}'
);

CREATE TABLE statuses (
    id              INTEGER PRIMARY KEY,
    action_id       TEXT NOT NULL REFERENCES actions(id),
    document        TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    line            INTEGER NOT NULL,
    label           TEXT NOT NULL,
    month           TEXT,
    rag_printed     TEXT,
    rag             TEXT
);

CREATE TABLE updates (
    id              INTEGER PRIMARY KEY,
    action_id       TEXT NOT NULL REFERENCES actions(id),
    stamp           TEXT,
    start           TEXT,
    "end"           TEXT,
    kind            TEXT NOT NULL DEFAULT 'update',
    text            TEXT NOT NULL,
    deleted         TEXT NOT NULL DEFAULT '[]',
    content_key     TEXT NOT NULL,
    UNIQUE (action_id, content_key)
);

CREATE TABLE update_sources (
    update_id       INTEGER NOT NULL REFERENCES updates(id) ON DELETE CASCADE,
    document        TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    line            INTEGER NOT NULL,
    "column"        TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL DEFAULT '',  -- this report's own wording of the update
    PRIMARY KEY (update_id, document, line, "column")
);

CREATE TABLE unattributed (
    id              INTEGER PRIMARY KEY,
    document        TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    line            INTEGER NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL
);

CREATE TABLE dropped (
    id              INTEGER PRIMARY KEY,
    document        TEXT NOT NULL REFERENCES documents(name) ON DELETE CASCADE,
    line            INTEGER NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL
);

CREATE INDEX documents_by_council   ON documents(council);
CREATE INDEX actions_by_council     ON actions(council, ref);
CREATE INDEX action_rows_by_action  ON action_rows(action_id);
CREATE INDEX action_rows_by_doc     ON action_rows(document, line);
CREATE INDEX statuses_by_action     ON statuses(action_id);
CREATE INDEX statuses_by_doc        ON statuses(document);
CREATE INDEX updates_by_start       ON updates(start);
CREATE INDEX update_sources_by_doc  ON update_sources(document, line);
CREATE INDEX unattributed_by_doc    ON unattributed(document, line);
CREATE INDEX dropped_by_doc         ON dropped(document, line);
""" + _LOCATIONS_SCHEMA + _VERDICTS_SCHEMA


class StoreError(NarrativeSearchError, RuntimeError):
    """The file is not a corpus this version of narrative-search can use.

    A NarrativeSearchError, so the CLI and the app show it as a message; still
    a RuntimeError for callers written when it was only that.
    """


#: Said of text a reader dropped without naming why (rows stored before readers gave reasons).
UNNAMED_DROP_REASON = "other"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class CorpusStore:
    """A corpus in one SQLite file; use as ``with CorpusStore(path) as store:``."""

    def __init__(self, path: PathLike, check_same_thread: bool = True, read_only: bool = False) -> None:
        """``check_same_thread=False`` lets one store serve several threads
        (the app's sessions); the caller then serialises writes.

        ``read_only``: for a home folder that cannot be written (a read-only
        mount, another user's folder): the file is opened read-only and never
        changed; a missing file reads as an empty corpus.
        """
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            self.conn = _connect_read_only(self.path, check_same_thread)
        else:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are opened explicitly in _transaction,
            # so a save is exactly one BEGIN ... COMMIT.
            self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=check_same_thread)
        self.conn.row_factory = sqlite3.Row
        # Each document's line -> location, read on first use (see locations()).
        self._locations: dict[str, Mapping[int, str]] = {}
        self._locations_data_version: Optional[int] = None
        try:
            self._configure()
            self._open_schema()
        except BaseException:
            self.conn.close()
            raise

    # -- lifecycle ----------------------------------------------------------

    def __enter__(self) -> "CorpusStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _configure(self) -> None:
        """WAL lets the app read while an ingest writes; FKs keep rows consistent."""
        self.conn.execute("PRAGMA foreign_keys = ON")
        if self.read_only:
            return  # setting the journal mode writes to the file
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA busy_timeout = 5000")

    def _open_schema(self) -> None:
        """Create the schema in an empty file, migrate an older one; refuse files of another version."""
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise self._newer_version_error(version)
        if self.read_only and version != 0:
            raise StoreError(
                f"{self.path} has schema version {version} and must be upgraded to {SCHEMA_VERSION}, "
                "but its folder is read-only: open it once where it can be written"
            )
        if version in _MIGRATIONS:
            self._migrate()
            return
        if version != 0:
            raise StoreError(
                f"{self.path} has unknown schema version {version} "
                f"(expected {SCHEMA_VERSION}); delete it and ingest again"
            )
        tables = self.conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()[0]
        if tables:
            raise StoreError(
                f"{self.path} is an SQLite file but not a narrative-search corpus "
                "(it has tables but no schema version)"
            )
        with self._transaction():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {int(SCHEMA_VERSION)}")

    def _migrate(self) -> None:
        """Bring an older store to :data:`SCHEMA_VERSION` in place, in one transaction.

        The version is read again under the write lock: another process may
        have migrated the file meanwhile. Documents stored before a migration
        keep their rows; what the new tables would hold for them (their
        locations) is filled when they are ingested again.
        """
        with self._transaction():
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:  # a newer narrative-search got there first
                raise self._newer_version_error(version)
            while version < SCHEMA_VERSION:
                for statement in _MIGRATIONS[version].split(";"):
                    if statement.strip():
                        self.conn.execute(statement)
                version += 1
            self.conn.execute(f"PRAGMA user_version = {int(version)}")

    def _newer_version_error(self, version: int) -> StoreError:
        return StoreError(
            f"{self.path} has schema version {version}, newer than this "
            f"narrative-search supports ({SCHEMA_VERSION}); upgrade narrative-search "
            "or use another index folder"
        )

    def _transaction(self) -> "_Transaction":
        return _Transaction(self.conn)

    # -- writing ------------------------------------------------------------

    def save_reading(self, reading: DocumentReading, force: bool = False, replaces: Optional[str] = None) -> SaveResult:
        """Store one document's reading, replacing any earlier version of it.

        The same sha256 as stored means the same file, so nothing is written
        ("unchanged") unless ``force`` is set (e.g. after the readers improved).
        A document without a sha256 cannot be compared and is always replaced.
        ``replaces`` names another stored document this one takes the place of
        (an explicit replace of a document stored under another name); it is
        removed in the same transaction. Everything happens in one
        transaction: on any error the store is left exactly as before.
        """
        doc = reading.document
        other = replaces if replaces not in (None, doc.name) else None
        try:
            with self._transaction():
                stored = self.conn.execute(
                    "SELECT sha256 FROM documents WHERE name = ?", (doc.name,)
                ).fetchone()
                status: SaveStatus
                if stored is not None and not force and other is None and doc.sha256 and stored["sha256"] == doc.sha256:
                    status = "unchanged"
                else:
                    if stored is not None:
                        self._delete_document_rows(doc.name)
                    replaced_other = other is not None and self._delete_document_rows(other)
                    status = "replaced" if stored is not None or replaced_other else "new"
                    self._insert_reading(reading)
                return self._save_result(doc.name, status)
        finally:
            self._forget_locations()

    def remove_document(self, name: str) -> bool:
        """Remove a document and whatever only it supported; False if absent."""
        try:
            with self._transaction():
                found = self._delete_document_rows(name)
        finally:
            self._forget_locations()
        return found

    def _delete_document_rows(self, name: str) -> bool:
        """Delete a document's rows, then updates and actions no report supports.

        Deleting the documents row cascades to its action_rows, statuses,
        update_sources, unattributed, dropped, locations and verdicts rows.
        """
        cursor = self.conn.execute("DELETE FROM documents WHERE name = ?", (name,))
        self.conn.execute(
            """
            DELETE FROM updates
            WHERE NOT EXISTS (SELECT 1 FROM update_sources s WHERE s.update_id = updates.id)
            """
        )
        self.conn.execute(
            """
            DELETE FROM actions
            WHERE NOT EXISTS (SELECT 1 FROM action_rows r WHERE r.action_id = actions.id)
              AND NOT EXISTS (SELECT 1 FROM updates u WHERE u.action_id = actions.id)
            """
        )
        return cursor.rowcount > 0

    def _insert_reading(self, reading: DocumentReading) -> None:
        """Insert every record of a reading under the reading's document name.

        The reading's name is used even where a record carries another, so that
        replacing the document later finds every row it wrote.
        """
        self._insert_document(reading)
        name = reading.document.name
        for action in reading.actions:
            self._insert_action(name, action)
        self._insert_spans("unattributed", name, reading.unattributed)
        self._insert_spans("dropped", name, reading.dropped)
        self.conn.executemany(
            "INSERT INTO locations (document, line, location) VALUES (?, ?, ?)",
            [(name, line, location) for line, location in sorted(reading.locations.items()) if location],
        )
        self._insert_verdicts(name, reading.verdicts)

    # -- verdicts (issue 12, shape 7) -------------------------------------------

    def _insert_verdicts(self, document: str, verdicts: Sequence[Verdict]) -> None:
        self.conn.executemany(
            """
            INSERT INTO verdicts
                (document, line, council, event, date, weakness, verdict, sufficient, total, text)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                (document, verdict.line, verdict.council, verdict.event, verdict.date, verdict.weakness,
                 verdict.verdict, verdict.sufficient, verdict.total, verdict.text)
                for verdict in verdicts
            ],
        )

    def verdicts(self, council: Optional[str] = None) -> list[Verdict]:
        """Revisit and monitoring verdicts (of one council), newest event first, located.

        Undated verdicts come last; ties keep document and line order. A
        document stored before schema version 3 has none until it is ingested
        again (``ingest --force``).
        """
        where, params = ("WHERE council = ?", (council,)) if council else ("", ())
        rows = self.conn.execute(
            f"SELECT * FROM verdicts {where} ORDER BY date IS NULL, date DESC, document, line, id", params
        ).fetchall()
        return [
            Verdict(
                council=row["council"], event=row["event"], verdict=row["verdict"], date=row["date"],
                weakness=row["weakness"], sufficient=row["sufficient"], total=row["total"], text=row["text"],
                source=Citation(row["document"], row["line"]).located(self.location),
            )
            for row in rows
        ]

    # -- end of verdicts ---------------------------------------------------------

    def _insert_document(self, reading: DocumentReading) -> None:
        doc = reading.document
        self.conn.execute(
            """
            INSERT INTO documents
                (name, council, title, as_of, sha256, format, path,
                 ingested_at, dropped_chars, warnings, read_as, ocr, ocr_confidence)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                doc.name,
                doc.council,
                doc.title,
                doc.as_of,
                doc.sha256,
                doc.format,
                doc.path,
                _now(),
                reading.dropped_chars,
                json.dumps(reading.warnings, ensure_ascii=False),
                doc.read_as,
                int(doc.ocr),
                doc.ocr_confidence,
            ),
        )

    def _insert_action(self, document: str, action: Action) -> None:
        """One report's row of an action, its statuses and its updates."""
        self.conn.execute(
            "INSERT OR IGNORE INTO actions (id, council, ref, kind) VALUES (?, ?, ?, ?)",
            (action.id, action.council, action.ref, action.kind),
        )
        self.conn.execute(
            """
            INSERT INTO action_rows
                (action_id, document, line, ref_printed, ref_note, priority,
                 focus_area, action, lead, evidence, impact, due_printed, due, fields)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                action.id,
                document,
                action.line,
                action.ref_printed,
                action.ref_note,
                action.priority,
                action.focus_area,
                action.action,
                action.lead,
                action.evidence,
                action.impact,
                action.due_printed,
                action.due,
                json.dumps(action.fields, ensure_ascii=False),
            ),
        )
        for status in action.statuses:
            self._insert_status(document, action, status)
        for update in action.updates:
            self._insert_update(document, action, update)

    def _insert_status(self, document: str, action: Action, status: Status) -> None:
        self.conn.execute(
            """
            INSERT INTO statuses (action_id, document, line, label, month, rag_printed, rag)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            (
                action.id,
                document,
                status.line or action.line,
                status.label,
                status.month,
                status.rag_printed,
                status.rag,
            ),
        )

    def _insert_update(self, document: str, action: Action, update: Update) -> int:
        """Add an update, or a source to the identical update already stored.

        The first report to print an update supplies its stamp, kind and
        struck-through text; later copies only add sources.
        """
        key = update_content_key(update)
        update_id = self._matching_update(action.id, update, key)
        if update_id is None:
            update_id = self.conn.execute(
                """
                INSERT INTO updates (action_id, stamp, start, "end", kind, text, deleted, content_key)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    action.id,
                    update.stamp,
                    update.start,
                    update.end,
                    update.kind,
                    update.text,
                    json.dumps(update.deleted, ensure_ascii=False),
                    key,
                ),
            ).lastrowid
            assert update_id is not None  # an INSERT always sets lastrowid
        self.conn.execute(
            """
            INSERT OR IGNORE INTO update_sources (update_id, document, line, "column", text)
            VALUES (?, ?, ?, ?, ?)
            """,
            (update_id, document, update.line or action.line, update.column, update.text),
        )
        return update_id

    def _matching_update(self, action_id: str, update: Update, key: str) -> Optional[int]:
        """The stored update this one is another printing of, if any."""
        exact = self.conn.execute(
            "SELECT id FROM updates WHERE action_id = ? AND content_key = ?", (action_id, key)
        ).fetchone()
        if exact is not None:
            return exact["id"]
        candidates = self.conn.execute(
            """
            SELECT id, text FROM updates
            WHERE action_id = ? AND start IS ? AND "end" IS ? AND kind = ?
            ORDER BY id
            """,
            (action_id, update.start, update.end, update.kind),
        ).fetchall()
        for candidate in candidates:
            if is_same_update(candidate["text"], update.text):
                return candidate["id"]
        return None

    def _insert_spans(self, table: str, document: str, spans: Sequence[TextSpan]) -> None:
        assert table in ("unattributed", "dropped")  # table names cannot be parameters
        self.conn.executemany(
            f"INSERT INTO {table} (document, line, reason, text) VALUES (?, ?, ?, ?)",
            [(document, span.line, span.reason, span.text) for span in spans],
        )

    # -- documents ----------------------------------------------------------

    def _save_result(self, name: str, status: SaveStatus) -> SaveResult:
        return self._summaries("WHERE d.name = ?", (name,))[0].save_result(status)

    def fingerprint(self) -> str:
        """A hash of what is stored: each document's name, content hash, council, title and date.

        Everything else in the store is derived from these, so two stores with
        the same fingerprint give the same passages; the search index records
        it to know whether it is up to date without reading the corpus. The
        one exception is a document stored before schema version 2: it has no
        locations until it is ingested again (with the same content hash), so
        whether a document has locations counts too, or the index would keep
        citing its rows by line.
        """
        digest = hashlib.sha256(f"schema {SCHEMA_VERSION}\n".encode())
        rows = self.conn.execute(
            """
            SELECT name, sha256, council, title, as_of,
                   EXISTS (SELECT 1 FROM locations l WHERE l.document = d.name) AS located
            FROM documents d ORDER BY name
            """
        )
        for row in rows:
            digest.update("\0".join(str(value or "") for value in row).encode("utf-8") + b"\n")
        return digest.hexdigest()

    # -- locations ------------------------------------------------------------

    def locations(self, document: str) -> Mapping[int, str]:
        """Line -> where that row is in ``document``'s file ("page 3"); empty for plain text.

        Read once per document and kept (read-only) until the store changes:
        a save or removal here, or a commit by another connection (another
        process ingesting), which SQLite's ``data_version`` reveals.
        """
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._locations_data_version:
            self._locations = {}
            self._locations_data_version = version
        found = self._locations.get(document)
        if found is None:
            rows = self.conn.execute(
                "SELECT line, location FROM locations WHERE document = ?", (document,)
            ).fetchall()
            found = self._locations[document] = MappingProxyType({row["line"]: row["location"] for row in rows})
        return found

    def location(self, document: str, line: int) -> str:
        """Where ``line`` of ``document`` is, in words: "page 3", "table 2 row 5", else "line 12"."""
        return describe_location(line, self.locations(document).get(line))

    def _forget_locations(self) -> None:
        # This connection's own commits leave data_version as it was.
        self._locations = {}

    def documents(self, council: Optional[str] = None) -> list[Document]:
        """Stored documents, by council, then date, then name."""
        return [_document(row) for row in self._document_rows(council)]

    def get_document(self, name: str) -> Optional[Document]:
        row = self.conn.execute("SELECT * FROM documents WHERE name = ?", (name,)).fetchone()
        return _document(row) if row is not None else None

    def _document_rows(self, council: Optional[str]) -> list[sqlite3.Row]:
        where, params = ("WHERE council = ?", (council,)) if council else ("", ())
        return self.conn.execute(
            f"SELECT * FROM documents {where} ORDER BY council, as_of IS NULL, as_of, name",
            params,
        ).fetchall()

    def document_summary(self, council: Optional[str] = None) -> list[DocumentSummary]:
        """Every document with its counts, for the library view."""
        if council:
            return self._summaries("WHERE d.council = ?", (council,))
        return self._summaries("", ())

    def _summaries(self, where: str, params: tuple[Any, ...]) -> list[DocumentSummary]:
        rows = self.conn.execute(
            f"""
            SELECT d.*,
                (SELECT count(DISTINCT r.action_id) FROM action_rows r JOIN actions a ON a.id = r.action_id
                    WHERE r.document = d.name AND a.kind != 'section') AS n_actions,
                (SELECT count(DISTINCT r.action_id) FROM action_rows r JOIN actions a ON a.id = r.action_id
                    WHERE r.document = d.name AND a.kind = 'section') AS n_sections,
                (SELECT count(DISTINCT update_id) FROM update_sources s WHERE s.document = d.name)
                    AS n_updates,
                (SELECT count(DISTINCT s.update_id) FROM update_sources s JOIN updates u ON u.id = s.update_id
                    WHERE s.document = d.name AND u.kind = 'commitment') AS n_commitments,
                (SELECT count(*) FROM verdicts v WHERE v.document = d.name) AS n_verdicts,
                (SELECT count(*) FROM statuses t WHERE t.document = d.name) AS n_statuses,
                (SELECT coalesce(sum(length(text)), 0) FROM unattributed u
                    WHERE u.document = d.name) AS n_unattributed,
                (SELECT coalesce(sum(length(text)), 0) FROM dropped x
                    WHERE x.document = d.name) AS n_dropped
            FROM documents d
            {where}
            ORDER BY d.council, d.as_of IS NULL, d.as_of, d.name
            """,
            params,
        ).fetchall()
        dropped_reasons = self._dropped_reasons(where, params)
        return [
            DocumentSummary(
                name=row["name"],
                council=row["council"],
                title=row["title"],
                as_of=row["as_of"],
                sha256=row["sha256"],
                format=row["format"],
                path=row["path"],
                ingested_at=row["ingested_at"],
                actions=row["n_actions"],
                updates=row["n_updates"],
                statuses=row["n_statuses"],
                unattributed_chars=row["n_unattributed"],
                dropped_chars=row["n_dropped"],
                warnings=json.loads(row["warnings"]),
                read_as=row["read_as"],
                ocr=bool(row["ocr"]),
                ocr_confidence=row["ocr_confidence"],
                sections=row["n_sections"],
                commitments=row["n_commitments"],
                verdicts=row["n_verdicts"],
                dropped_reasons=dropped_reasons.get(row["name"], {}),
            )
            for row in rows
        ]

    def _dropped_reasons(self, where: str, params: tuple[Any, ...]) -> dict[str, dict[str, int]]:
        """Document -> {reason: characters dropped for it}, most characters first (``where`` as for the summaries)."""
        rows = self.conn.execute(
            f"""
            SELECT x.document, x.reason, sum(length(x.text)) AS chars
            FROM dropped x JOIN documents d ON d.name = x.document
            {where}
            GROUP BY x.document, x.reason
            ORDER BY x.document, chars DESC, x.reason
            """,
            params,
        ).fetchall()
        found: dict[str, dict[str, int]] = {}
        for row in rows:
            found.setdefault(row["document"], {})[row["reason"] or UNNAMED_DROP_REASON] = row["chars"]
        return found

    def councils(self) -> list[str]:
        """Councils with at least one stored document, alphabetically."""
        rows = self.conn.execute(
            "SELECT DISTINCT council FROM documents ORDER BY council"
        ).fetchall()
        return [row["council"] for row in rows]

    def unattributed(self, document: Optional[str] = None) -> list[DocumentSpan]:
        """Text kept outside any action, in document then line order."""
        return self._spans("unattributed", document)

    def dropped(self, document: Optional[str] = None) -> list[DocumentSpan]:
        """Text the readers dropped, with why, in document then line order."""
        return self._spans("dropped", document)

    def _spans(self, table: str, document: Optional[str]) -> list[DocumentSpan]:
        assert table in ("unattributed", "dropped")  # table names cannot be parameters
        where, params = ("WHERE document = ?", (document,)) if document else ("", ())
        rows = self.conn.execute(
            f"SELECT document, line, reason, text FROM {table} {where} "
            "ORDER BY document, line, id",
            params,
        ).fetchall()
        return [
            DocumentSpan(text=row["text"], line=row["line"], reason=row["reason"],
                         document=row["document"])
            for row in rows
        ]

    # -- actions ------------------------------------------------------------

    def get_action(self, action_id: str) -> Optional[MergedAction]:
        """One merged action by id, or None."""
        actions = self._load_actions("a.id = ?", (action_id,))
        return actions[0] if actions else None

    def iter_actions(self, council: Optional[str] = None) -> Iterator[MergedAction]:
        """Every merged action (of one council), by council then ref."""
        if council:
            yield from self._load_actions("a.council = ?", (council,))
        else:
            yield from self._load_actions("1 = 1", ())

    def count_actions(self, council: Optional[str] = None) -> int:
        if council:
            row = self.conn.execute(
                "SELECT count(*) FROM actions WHERE council = ?", (council,)
            ).fetchone()
        else:
            row = self.conn.execute("SELECT count(*) FROM actions").fetchone()
        return row[0]

    def _load_actions(self, where: str, params: tuple[Any, ...]) -> list[MergedAction]:
        """Load actions matching ``where`` (over alias ``a``) in four queries.

        ``where`` is always a fixed fragment from this class; values go in
        ``params``.
        """
        action_rows = self.conn.execute(
            f"""
            SELECT a.id, a.council, a.ref, a.kind, r.document, r.line, r.ref_printed, r.ref_note,
                   r.priority, r.focus_area, r.action AS action_text, r.lead, r.evidence,
                   r.impact, r.due_printed, r.due, r.fields, d.as_of
            FROM actions a
            JOIN action_rows r ON r.action_id = a.id
            JOIN documents d ON d.name = r.document
            WHERE {where}
            ORDER BY a.id, d.as_of IS NOT NULL, d.as_of, r.document, r.line
            """,
            params,
        ).fetchall()
        statuses = self.conn.execute(
            f"""
            SELECT t.action_id, t.document, t.line, t.label, t.month, t.rag_printed, t.rag
            FROM actions a
            JOIN statuses t ON t.action_id = a.id
            JOIN documents d ON d.name = t.document
            WHERE {where}
            ORDER BY t.action_id, t.month IS NULL, t.month,
                     d.as_of IS NOT NULL, d.as_of, t.document, t.line, t.id
            """,
            params,
        ).fetchall()
        updates = self.conn.execute(
            f"""
            SELECT u.id, u.action_id, u.stamp, u.start, u."end", u.kind, u.text, u.deleted,
                   s.document, s.line, s.text AS source_text, d.as_of
            FROM actions a
            JOIN updates u ON u.action_id = a.id
            JOIN update_sources s ON s.update_id = u.id
            JOIN documents d ON d.name = s.document
            WHERE {where}
            ORDER BY u.id, d.as_of IS NOT NULL, d.as_of, s.document, s.line
            """,
            params,
        ).fetchall()
        merged = _merge_rows(action_rows)
        for row in statuses:
            merged[row["action_id"]].statuses.append(_status(row))
        for action_id, items in _merge_updates(updates).items():
            merged[action_id].updates = items
        return sorted(merged.values(), key=action_order)


def _connect_read_only(path: Path, check_same_thread: bool) -> sqlite3.Connection:
    """A connection that cannot write: the file read-only, or an empty corpus in memory if there is none.

    A WAL file needs its shared-memory file; where that cannot be created (a
    read-only folder) the file is opened as immutable, which nothing can be
    writing to: the folder is read-only.
    """
    if not path.is_file():
        return sqlite3.connect(":memory:", isolation_level=None, check_same_thread=check_same_thread)
    uri = path.resolve().as_uri()
    for mode in ("mode=ro", "mode=ro&immutable=1"):
        conn = sqlite3.connect(f"{uri}?{mode}", uri=True, isolation_level=None, check_same_thread=check_same_thread)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
    raise StoreError(f"{path} cannot be opened, even to read")


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception.

    IMMEDIATE takes the write lock up front, so two ingests cannot both read
    "unchanged" and then race to write.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:  # some errors already rolled back
            self.conn.execute("ROLLBACK")


# -- turning rows back into records ------------------------------------------


def _document(row: sqlite3.Row) -> Document:
    return Document(
        name=row["name"],
        council=row["council"],
        title=row["title"],
        as_of=row["as_of"],
        sha256=row["sha256"],
        format=row["format"],
        path=row["path"],
        read_as=row["read_as"],
        ocr=bool(row["ocr"]),
        ocr_confidence=row["ocr_confidence"],
    )


def _status(row: sqlite3.Row) -> Status:
    return Status(
        label=row["label"],
        month=row["month"],
        rag_printed=row["rag_printed"],
        rag=row["rag"],
        source=Citation(row["document"], row["line"]),
    )


def _merge_rows(rows: Iterable[sqlite3.Row]) -> dict[str, MergedAction]:
    """One MergedAction per id; rows come oldest report first, so the last wins."""
    merged: dict[str, MergedAction] = {}
    for row in rows:
        action = merged.get(row["id"])
        if action is None:
            action = merged[row["id"]] = MergedAction(
                id=row["id"], council=row["council"], ref=row["ref"], kind=row["kind"]
            )
        action.action = row["action_text"]
        action.focus_area = row["focus_area"]
        action.priority = row["priority"]
        action.lead = row["lead"]
        action.evidence = row["evidence"]
        action.impact = row["impact"]
        action.due_printed = row["due_printed"]
        action.due = row["due"]
        action.fields = json.loads(row["fields"])
        action.document = row["document"]
        action.line = row["line"]
        action.ref_printed = row["ref_printed"]
        action.ref_note = row["ref_note"]
        if row["document"] not in action.documents:
            action.documents.append(row["document"])
        report = {"document": row["document"], "line": row["line"]}
        for name in REPORT_FIELDS:
            column = "action_text" if name == "action" else name
            report[name] = json.loads(row[column]) if name == "fields" else row[column]
        action.reports.append(report)
    return merged


def _merge_updates(rows: Iterable[sqlite3.Row]) -> dict[str, list[MergedUpdate]]:
    """Group source rows into updates, then order each action's updates.

    Rows come by update id with the oldest report first, so an update's first
    source is the earliest report that printed it.
    """
    by_id: dict[int, MergedUpdate] = {}
    keys: dict[int, tuple[Any, ...]] = {}
    owner: dict[int, str] = {}
    for row in rows:
        update = by_id.get(row["id"])
        if update is None:
            update = by_id[row["id"]] = MergedUpdate(
                id=row["id"],
                text=row["text"],
                stamp=row["stamp"],
                start=row["start"],
                end=row["end"],
                kind=row["kind"],
                deleted=json.loads(row["deleted"]),
            )
            owner[row["id"]] = row["action_id"]
            keys[row["id"]] = _update_order(row)
        source = Citation(row["document"], row["line"])
        update.sources.append(source)
        update.variants.append(Variant(source, row["source_text"] or row["text"]))
    for update in by_id.values():
        settle_wording(update)
    grouped: dict[str, list[MergedUpdate]] = defaultdict(list)
    for update_id in sorted(by_id, key=lambda uid: keys[uid]):
        grouped[owner[update_id]].append(by_id[update_id])
    return grouped


def _update_order(row: sqlite3.Row) -> tuple[Any, ...]:
    """Sort key: start month; an undated update sorts at the end of its report.

    An undated update is taken as written by its (earliest) report's date, so
    it follows that report's dated updates of the same month and precedes
    later ones; with no report date it goes last. Ties go by report, then line.
    """
    dated = row["start"] is not None
    month = row["start"] if dated else month_sort_key(row["as_of"])
    return (month, not dated, row["as_of"] is None, row["as_of"] or "", row["document"],
            row["line"], row["id"])
