"""Format readers: every file becomes rows of cells, the one model the planner reads.

- ``text``: plain and tab-separated text (encodings detected);
- ``spreadsheet``: Excel (.xlsx) and CSV;
- ``word``: Word (.docx);
- ``pdf``: PDF (pdfplumber, page by page);
- ``webpage``: HTML, with ``furniture``: which parts of a web page are
  the site's (navigation, cookie banners, footers) and dropped with a reason;
- ``registry``: the one list of these formats (``READERS``), each a
  ``common.FormatReader`` (name, extensions, content test, description,
  ``read(path, data)``); a new format is a module here and a line there;
- ``sniff`` and ``dispatch``: which reader a file needs, by its content.

``dispatch.read_source(path, data)`` is the entry point; see ``common`` for
the rows every reader hands back.
"""
