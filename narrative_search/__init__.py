"""narrative-search: read, search and summarise SEND improvement-plan progress narratives."""

__version__ = "0.1.0"
