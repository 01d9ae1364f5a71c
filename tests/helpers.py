"""Shared test helpers: where the bundled corpus and its gold readings are, and how gold rows are compared.

Plain names for test modules to import (``from helpers import DATA_DIR``);
the fixtures built from them live in conftest.py.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data"
GOLD_DIR = Path(__file__).resolve().parent / "gold"

STAFFORDSHIRE_000 = "000_e72ea107f020d91e.txt"
STAFFORDSHIRE_001 = "001_7b6795448c6a5649.txt"
LEICESTERSHIRE = "002_8e0d413e95991a77.txt"
TORBAY = "003_db0635ce1a3fedb6.txt"
TELFORD = "004_fa80f464e6dc6b8c.txt"
SAMPLE_FILES = (STAFFORDSHIRE_000, STAFFORDSHIRE_001, LEICESTERSHIRE, TORBAY, TELFORD)


def collapse(text: str) -> str:
    """Whitespace collapsed, as the gold's starts/ends are written."""
    return re.sub(r"\s+", " ", text).strip()


def load_gold(name: str) -> list[dict]:
    return json.loads((GOLD_DIR / name).read_text(encoding="utf-8"))


def gold_params(name: str) -> list:
    """Gold rows as pytest params named by source, line and ref."""
    return [
        pytest.param(row, id=f"{row.get('source', '')[:3]}-line{row['line']}-{row.get('ref', '')}")
        for row in load_gold(name)
    ]


def gold_updates(row: dict) -> list[tuple]:
    """A gold row's updates as (stamp, start month, end month, first 40 chars, last 25 chars)."""
    return [
        (
            u["stamp"],
            (u["date"] or {}).get("start"),
            (u["date"] or {}).get("end", (u["date"] or {}).get("start")),
            u["starts"],
            u["ends"],
        )
        for u in row["updates"]
    ]


def source_line(source: str, line: int) -> str:
    """One 1-based line of a bundled sample document, as printed."""
    return (DATA_DIR / source).read_text(encoding="utf-8").split("\n")[line - 1]


def drop_version_3_additions(conn: sqlite3.Connection) -> None:
    """Take away what store schema version 3 added (actions.kind, documents.read_as, the verdicts table),
    and what version 4 added after it (documents.ocr, documents.ocr_confidence)."""
    conn.execute("ALTER TABLE documents DROP COLUMN ocr_confidence")
    conn.execute("ALTER TABLE documents DROP COLUMN ocr")
    conn.execute("ALTER TABLE actions DROP COLUMN kind")
    conn.execute("ALTER TABLE documents DROP COLUMN read_as")
    conn.execute("DROP TABLE verdicts")
