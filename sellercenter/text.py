"""Vietnamese text folded for matching: what people type without accents still finds what was
written with them ("ao dai" finds "Áo dài", "da nang" finds "Đà Nẵng").

Folding happens in Python, once when a row is written (into a key column) and once on the query,
so that a plain `contains` on the key behaves the same on PostgreSQL and SQLite: neither database's
own accent handling (unaccent, collations) is needed."""

import unicodedata


def fold_accents(text: str) -> str:
    """`text` without diacritics; đ/Đ (a letter of its own, not a d with a mark) become d/D."""
    text = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))


def search_key(text: str) -> str:
    """`text` folded for matching: no accents, lower case, single spaces."""
    return " ".join(fold_accents(text).lower().split())
