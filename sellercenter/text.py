"""Vietnamese text folded for matching: what people type without accents still finds what was
written with them ("ao dai" finds "Áo dài", "da nang" finds "Đà Nẵng").

Folding happens in Python, once when a row is written (into a key column) and once on the query,
so that a plain `contains` on the key behaves the same on PostgreSQL and SQLite: neither database's
own accent handling (unaccent, collations) is needed. A column without a key of its own is folded in
the query by `Folded`, from the same mapping."""

import unicodedata

from django.db.models import CharField, Func


def fold_accents(text: str) -> str:
    """`text` without diacritics; đ/Đ (a letter of its own, not a d with a mark) become d/D."""
    text = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in text if not unicodedata.combining(c))


def search_key(text: str) -> str:
    """`text` folded for matching: no accents, lower case, single spaces."""
    return " ".join(fold_accents(text).lower().split())


def _marked_letters() -> tuple[str, str]:
    """(letters with marks, the letter each folds to) for the Latin letters fold_accents folds to one
    ASCII letter: every Vietnamese letter, and those of the other languages written in Latin script."""
    marked, plain = [], []
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        letter = chr(code)
        folded = fold_accents(letter)
        if folded != letter and len(folded) == 1 and folded.isascii() and folded.isalpha():
            marked.append(letter)
            plain.append(folded)
    return "".join(marked), "".join(plain)


MARKED_LETTERS, PLAIN_LETTERS = _marked_letters()
# Text written decomposed (NFD: "e" then a combining circumflex, as some keyboards and macOS files
# write it) keeps its marks as characters of their own: Folded drops them (translate() deletes the
# characters of its first list that have no counterpart in the second).
COMBINING_MARKS = "".join(chr(code) for code in range(0x300, 0x370))
_FOLD_TABLE = str.maketrans(MARKED_LETTERS, PLAIN_LETTERS, COMBINING_MARKS)
SQLITE_FOLD_FUNCTION = "sellercenter_fold"


def fold_for_sql(text: str | None) -> str | None:
    """What Folded gives in SQL, in Python (SQLite calls it as SQLITE_FOLD_FUNCTION)."""
    if text is None:
        return None
    return text.translate(_FOLD_TABLE).lower()


class Folded(Func):
    """A text column folded in SQL as search_key folds what people type (letters with marks to their
    plain letter, đ to d, combining marks dropped, then lower case), for matching columns that have no
    key column of their own:
    `.alias(name_folded=Folded("full_name")).filter(name_folded__contains=search_key(term))`.
    PostgreSQL: `lower(translate(...))`; SQLite: a Python function registered on each connection."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"lower(translate({sql}, %s, %s))", (*params, MARKED_LETTERS + COMBINING_MARKS, PLAIN_LETTERS)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{SQLITE_FOLD_FUNCTION}({sql})", params


def register_sqlite_fold(sender, connection, **kwargs) -> None:
    """connection_created receiver: SQLite gets Folded's function (PostgreSQL has translate)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FOLD_FUNCTION, 1, fold_for_sql, deterministic=True)
