"""National themes: the areas of weakness SEND inspections commonly name, and which actions address each.

The themes are an editable table, ``themes.csv`` (``$NARRATIVE_SEARCH_THEMES``
names another file; else a ``themes.csv`` in the home folder; else the one
beside the bundled corpus), one theme a row:

- ``id``: a short name for commands (``--theme ehcp-timeliness``): letters,
  digits and hyphens;
- ``name``: the theme as people say it ("EHC plan timeliness");
- ``description``: a few sentences saying what belongs to the theme; records
  are compared with it by meaning (the embedding model);
- ``cue_words``: words and phrases, separated by ``|``, whose presence in a
  record's text counts towards the theme. A cue written with two or more
  capitals ("OT", "SALT", "PfA") matches only in capitals.

Every action and section gets the themes it is closest to (similarity to the
description plus a bonus per cue found), best first, at most
:data:`MAX_THEMES`; one whose best score is below the floor is unassigned.
The assignment is kept in the home folder (``themes.json``, written
atomically) with the hash of the table and the corpus fingerprint it was made
from, and is made again when either changes (`narrative-search themes
--reassign` forces it). A malformed row is an error naming the file and line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional, Sequence

import numpy as np

from . import config
from .errors import NarrativeSearchError
from .model import (
    MergedAction,
    Theme,
    ThemeAssignment,
    ThemeCouncil,
    ThemedAction,
    ThemeOverview,
    ThemeScore,
    Verdict,
)
from .vocabulary import fold, is_acronym, read_table_file

if TYPE_CHECKING:
    from .embed import Embedder
    from .protocols import Fingerprinted
    from .store import CorpusStore

#: File name of the themes table (beside the bundled corpus, or in the home folder).
THEMES_NAME = "themes.csv"

#: Environment variable naming a themes table to use instead.
THEMES_ENV = "NARRATIVE_SEARCH_THEMES"

#: The assignment kept in the home folder.
ASSIGNMENT_NAME = "themes.json"

#: Format of :data:`ASSIGNMENT_NAME`; another version is recomputed, never misread.
ASSIGNMENT_VERSION = 1

#: Separates the cue words of a row.
CUE_SEPARATOR = "|"

#: The most themes one record gets.
MAX_THEMES = 3

#: The table's columns, in order; all four are required.
COLUMNS = ("id", "name", "description", "cue_words")

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


class ThemeTableError(NarrativeSearchError):
    """A themes table that cannot be read, naming the file and line."""


class UnknownThemeError(NarrativeSearchError):
    """A theme asked for that the table does not have."""


@dataclass(frozen=True)
class AssignmentWeights:
    """How a record's score for a theme is made (tuned on bench/theme_labels.json; see bench/themes.py).

    score = similarity(record, theme description)
            + ``cue`` x min(cue words found, ``cue_cap``) / ``cue_cap``.
    The record's text is its action (or section title and first updates)
    and, weighted ``group``, its focus area and priority: the group names
    the weakness an action answers, the action says what it does.
    A record is unassigned when its best score is under ``floor``; its
    further themes must score at least ``share`` of its best.
    """

    cue: float = 0.15
    cue_cap: int = 2
    group: float = 0.5
    floor: float = 0.2
    share: float = 0.8


DEFAULT_WEIGHTS = AssignmentWeights()


# -- the table -----------------------------------------------------------------


def parse_theme_table(text: str, source: str) -> list[Theme]:
    """The themes of a table's ``text``; ThemeTableError naming ``source`` and the line of a malformed row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ThemeTableError(f"{source} line 1: the header lacks the column(s) {', '.join(missing)} "
                              f"(expected {','.join(COLUMNS)})")
    themes: list[Theme] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row) or row[0].strip().startswith("#"):
            continue  # a blank or commented-out row
        if len(row) != len(header):
            raise ThemeTableError(
                f"{source} line {line}: {len(row)} fields where the header names {len(header)}"
                f" (quote a field that holds a comma; separate cue words with {CUE_SEPARATOR!r})"
            )
        cells = dict(zip(header, (cell.strip() for cell in row)))
        theme_id = cells["id"]
        if not _ID.match(theme_id):
            raise ThemeTableError(f"{source} line {line}: the id {theme_id!r} must be lower-case letters, digits and hyphens")
        if theme_id in seen:
            raise ThemeTableError(f"{source} line {line}: the id {theme_id!r} is already used on line {seen[theme_id]}")
        for column in ("name", "description"):
            if not _WORD.search(cells[column]):
                raise ThemeTableError(f"{source} line {line}: the {column} of {theme_id!r} is empty")
        cues = tuple(cue.strip() for cue in cells["cue_words"].split(CUE_SEPARATOR)) if cells["cue_words"] else ()
        if any(not _WORD.search(cue) for cue in cues):
            raise ThemeTableError(f"{source} line {line}: an empty cue word in {cells['cue_words']!r}")
        seen[theme_id] = line
        themes.append(Theme(theme_id, cells["name"], cells["description"], cues, line))
    if not themes:
        raise ThemeTableError(f"{source}: the table has no themes")
    return themes


def load_theme_table(path: Path) -> list[Theme]:
    """The table at ``path``; ThemeTableError if it cannot be read or a row is malformed."""
    return read_table_file(path, "the themes table", parse_theme_table, ThemeTableError)


def themes_path(home: Optional[config.PathLike] = None) -> Path:
    """``$NARRATIVE_SEARCH_THEMES``, else ``themes.csv`` in the home folder, else the bundled table."""
    explicit = os.environ.get(THEMES_ENV)
    if explicit:
        return Path(explicit).expanduser()
    if home is not None:
        own = Path(home) / THEMES_NAME
        if own.is_file():
            return own
    return config.bundled_data_dir() / THEMES_NAME


@lru_cache(maxsize=4)
def _cached_table(path: Path, modified: int) -> tuple[Theme, ...]:
    return tuple(load_theme_table(path))


def load_themes(home: Optional[config.PathLike] = None) -> list[Theme]:
    """The table in use (see :func:`themes_path`), read again when its file changes."""
    path = themes_path(home)
    try:
        modified = path.stat().st_mtime_ns
    except OSError as error:
        raise ThemeTableError(f"{path}: the themes table cannot be read: {error}") from error
    return list(_cached_table(path, modified))


def table_hash(themes: Sequence[Theme]) -> str:
    """A digest of what the assignment depends on in the table (not its line numbers)."""
    digest = hashlib.sha256()
    for theme in themes:
        digest.update(json.dumps([theme.id, theme.name, theme.description, list(theme.cue_words)]).encode())
    return digest.hexdigest()[:16]


def find_theme(themes: Sequence[Theme], wanted: str) -> Theme:
    """The theme named by id or name (any case); UnknownThemeError listing the ids otherwise."""
    key = wanted.strip().lower()
    for theme in themes:
        if key in (theme.id, theme.name.lower()):
            return theme
    raise UnknownThemeError(f"no theme {wanted!r}: choose from {', '.join(t.id for t in themes)}")


# -- scoring -------------------------------------------------------------------


def theme_text(theme: Theme) -> str:
    """What a record is compared with: the theme's name and description."""
    return f"{theme.name}. {theme.description}"


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _cue_forms(cue: str) -> tuple[tuple[str, ...], bool]:
    """(the cue's words as compared, whether it is an acronym matched only in capitals)."""
    words = _words(cue)
    if is_acronym(cue):
        return tuple(words), True
    return tuple(fold(w) for w in words), False


def cue_count(text: str, theme: Theme) -> int:
    """How many of the theme's cue words appear in ``text`` (each counted once)."""
    words = _words(text)
    folded = [fold(w) for w in words]
    stripped = [w[:-1] if w.endswith("s") and len(w) > 2 else w for w in words]
    found = 0
    for cue in theme.cue_words:
        forms, exact = _cue_forms(cue)
        if not forms:
            continue
        haystack = [w if w in forms else s for w, s in zip(words, stripped)] if exact else folded
        width = len(forms)
        if any(tuple(haystack[i:i + width]) == forms for i in range(len(haystack) - width + 1)):
            found += 1
    return found


@dataclass(frozen=True)
class RecordText:
    """The texts a record is judged by: what it does, and the group it sits in."""

    what: str
    group: str = ""

    @property
    def whole(self) -> str:
        return f"{self.group}\n{self.what}" if self.group else self.what


def record_text(action: MergedAction, update_chars: int = 600) -> RecordText:
    """An action's text and group; a section's title and its first updates (its content)."""
    what = action.action.strip()
    if action.kind == "section" or not what:
        content = " ".join(update.text for update in action.updates)[:update_chars]
        what = f"{what}. {content}".strip(". ") if what else content
    group = " ".join(part.strip() for part in (action.priority, action.focus_area) if part.strip())
    return RecordText(what or group, group if what else "")


def score_matrix(
    embedder: "Embedder", records: Sequence[RecordText], themes: Sequence[Theme], weights: AssignmentWeights = DEFAULT_WEIGHTS
) -> np.ndarray:
    """(records, themes) scores: similarity to each description plus the cue bonus."""
    if not records:
        return np.zeros((0, len(themes)), dtype=np.float32)
    theme_vectors = embedder.encode([theme_text(theme) for theme in themes])
    what = embedder.encode([record.what for record in records]) @ theme_vectors.T
    groups = [record.group for record in records]
    grouped = np.asarray([bool(g) for g in groups])
    similarity = what
    if grouped.any() and weights.group > 0:
        group_vectors = embedder.encode([g or r.what for g, r in zip(groups, records)]) @ theme_vectors.T
        blend = (what + weights.group * group_vectors) / (1.0 + weights.group)
        similarity = np.where(grouped[:, None], blend, what)
    cues = np.asarray([[min(cue_count(record.whole, theme), weights.cue_cap) for theme in themes] for record in records],
                      dtype=np.float32)
    return (similarity + weights.cue * cues / max(weights.cue_cap, 1)).astype(np.float32)


def ranked(scores: np.ndarray, themes: Sequence[Theme], weights: AssignmentWeights = DEFAULT_WEIGHTS) -> list[ThemeScore]:
    """One record's themes, best first: up to MAX_THEMES near its best; empty if the best is under the floor."""
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]]) if len(order) else 0.0
    if best < weights.floor:
        return []
    chosen = [i for i in order[:MAX_THEMES] if float(scores[i]) >= weights.share * best]
    return [ThemeScore(themes[i].id, themes[i].name, round(float(scores[i]), 4)) for i in chosen]


def assign_texts(
    embedder: "Embedder", texts: Sequence[str], themes: Sequence[Theme], weights: AssignmentWeights = DEFAULT_WEIGHTS
) -> list[list[ThemeScore]]:
    """The themes of free texts (a weakness as printed, a verdict's area), best first; empty when unassigned."""
    scores = score_matrix(embedder, [RecordText(text) for text in texts], themes, weights)
    return [ranked(row, themes, weights) for row in scores]


def record_texts(actions: Iterable[MergedAction]) -> list[str]:
    """What :func:`assign_actions` encodes of each action besides the themes: its text, and its group if any."""
    texts = []
    for action in actions:
        record = record_text(action)
        texts.append(record.what)
        if record.group:
            texts.append(record.group)
    return texts


def assign_actions(
    embedder: "Embedder", actions: Iterable[MergedAction], themes: Sequence[Theme], weights: AssignmentWeights = DEFAULT_WEIGHTS
) -> dict[str, list[ThemeScore]]:
    """The themes of each action and section, by id."""
    actions = list(actions)
    scores = score_matrix(embedder, [record_text(action) for action in actions], themes, weights)
    return {action.id: ranked(row, themes, weights) for action, row in zip(actions, scores)}


# -- the stored assignment -----------------------------------------------------


def assignment_path(home: config.PathLike) -> Path:
    return Path(home) / ASSIGNMENT_NAME


def read_assignment(home: config.PathLike, themes: Sequence[Theme]) -> Optional[ThemeAssignment]:
    """The assignment kept in ``home``, or None if there is none or it cannot be read (it is then made again)."""
    try:
        data = json.loads(assignment_path(home).read_text(encoding="utf-8"))
        if data.get("version") != ASSIGNMENT_VERSION:
            return None
        names = {theme.id: theme.name for theme in themes}
        actions = {
            action_id: [ThemeScore(theme_id, names.get(theme_id, theme_id), float(score)) for theme_id, score in scored]
            for action_id, scored in data["actions"].items()
        }
        return ThemeAssignment(str(data["table_hash"]), str(data["model_id"]), str(data["corpus"]), actions)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_assignment(home: config.PathLike, assignment: ThemeAssignment) -> None:
    """Write the assignment atomically (a reader sees the old file or the new one, never half)."""
    data = {
        "version": ASSIGNMENT_VERSION,
        "table_hash": assignment.table_hash,
        "model_id": assignment.model_id,
        "corpus": assignment.corpus,
        "actions": {a: [[s.id, round(s.score, 4)] for s in scores] for a, scores in sorted(assignment.actions.items())},
    }
    path = assignment_path(home)
    handle, temporary = tempfile.mkstemp(prefix=".themes-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def stale_reason(assignment: Optional[ThemeAssignment], themes: Sequence[Theme], corpus: str, model_id: str) -> Optional[str]:
    """Why the assignment must be made again (None if it is current)."""
    if assignment is None:
        return "no theme assignment yet"
    if assignment.table_hash != table_hash(themes):
        return "the themes table changed"
    if assignment.corpus != corpus:
        return "the corpus changed"
    if assignment.model_id != model_id:
        return "the embedding model changed"
    return None


def current_assignment(
    home: config.PathLike,
    store: "CorpusStore",
    embedder: "Embedder",
    themes: Sequence[Theme],
    force: bool = False,
    notes: Optional[list[str]] = None,
    keep: bool = True,
) -> ThemeAssignment:
    """The assignment for the corpus and table as they are now: read back if current, else made and kept.

    ``notes`` receives a line saying why it was made again. A home folder
    that cannot be written still gets the assignment, for this run only; so
    does one opened read-only (``keep`` False: nothing is written).
    """
    corpus = corpus_key(store)
    kept = None if force else read_assignment(home, themes)
    reason = "reassignment asked for" if force else stale_reason(kept, themes, corpus, embedder.model_id)
    if kept is not None and reason is None:
        return kept
    assignment = ThemeAssignment(table_hash(themes), embedder.model_id, corpus,
                                 assign_actions(embedder, store.iter_actions(), themes))
    if not keep:
        return assignment
    try:
        write_assignment(home, assignment)
    except OSError as error:
        if notes is not None:
            notes.append(f"themes assigned for this run only: {assignment_path(home)} cannot be written ({error})")
    else:
        if notes is not None and reason:
            notes.append(f"themes assigned to {len(assignment.actions)} actions and sections ({reason})")
    return assignment


def corpus_key(store: "Fingerprinted") -> str:
    return store.fingerprint()


# -- the overview: actions per theme per council, with verdicts ----------------


def _short_title(action: MergedAction, limit: int = 80) -> str:
    text = " ".join((action.action or action.focus_area or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_overview(
    themes: Sequence[Theme],
    assignment: ThemeAssignment,
    actions: Iterable[MergedAction],
    verdicts: Sequence[Verdict] = (),
    verdict_themes: Sequence[list[ThemeScore]] = (),
) -> list[ThemeOverview]:
    """One overview per theme (table order): each council's actions on it, best-theme ones first, and its verdicts.

    ``verdict_themes`` holds the themes of each verdict's weakness (as
    :func:`assign_texts` gives them, in the order of ``verdicts``); a verdict
    attaches to its best theme. A verdict that names no weakness (counts
    only) is shown with every theme of its council, as the council's.
    """
    by_theme: dict[str, dict[str, ThemeCouncil]] = {theme.id: {} for theme in themes}
    for action in actions:
        for rank, scored in enumerate(assignment.themes_of(action.id), start=1):
            if scored.id not in by_theme:
                continue
            council = by_theme[scored.id].setdefault(action.council, ThemeCouncil(action.council))
            council.actions.append(ThemedAction(action.id, action.council, action.ref, _short_title(action),
                                                scored.score, rank, action.kind))
    for verdict, scored_themes in zip(verdicts, verdict_themes):
        if verdict.weakness and scored_themes:
            best = scored_themes[0]
            if best.id in by_theme:
                council = by_theme[best.id].setdefault(verdict.council, ThemeCouncil(verdict.council))
                council.verdicts.append((verdict, best.score))
    council_wide = [verdict for verdict in verdicts if not verdict.weakness]
    overviews = []
    for theme in themes:
        councils = sorted(by_theme[theme.id].values(), key=lambda c: c.council)
        for council in councils:
            council.actions.sort(key=lambda a: (a.rank > 1, -a.score, a.action_id))
            council.council_verdicts = [v for v in council_wide if v.council == council.council]
        overviews.append(ThemeOverview(theme, councils))
    return overviews


def theme_columns(overview: ThemeOverview, councils: Sequence[str], verdicts: Sequence[Verdict]) -> list[ThemeCouncil]:
    """One column per council asked for, in that order: its actions on the theme and the verdicts matched to it.

    A council with no action on the theme gets an empty column, still with
    its verdicts on the council as a whole (those that name no weakness).
    """
    present = {column.council: column for column in overview.councils}
    columns = []
    for council in councils:
        column = present.get(council)
        if column is None:
            column = ThemeCouncil(council, council_verdicts=[v for v in verdicts if v.council == council and not v.weakness])
        columns.append(column)
    return columns
