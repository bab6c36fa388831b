"""Exact substring search over disclosure items, as static files (see index.py for the format)."""
from .index import build_index, searchable_text
from .normalize import normalize, query_words

__all__ = ["build_index", "searchable_text", "normalize", "query_words"]
