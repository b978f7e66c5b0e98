"""The text a dossier is searched by: its words in lower case, and again without Vietnamese diacritics.

People type "mut" for "Mứt" and "dua" for "Dừa", but someone who types the marks ("rạn")
means them (not "Tràng"). So `dossiers.search_text` holds the product and producer twice —
lower case as written, then folded (no marks, đ as d) — kept when the dossier is written
(and filled for older rows by revision 0004_dossierpage). The query is only lower-cased: a
query without marks finds the folded half, one with marks only the half that has them. A
plain LIKE then works the same on SQLite (whose LIKE folds only ASCII case) and PostgreSQL,
without an extension (unaccent, ICU collations).
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 1200


def lower(text: str) -> str:
    """Lower case, in one Unicode form (NFC), so 'MỨT' and 'mứt' typed either way compare equal."""
    return unicodedata.normalize("NFC", text).casefold()


def fold(text: str) -> str:
    """'Mứt gừng Đà Lạt' -> 'mut gung da lat'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text(product_name: str, producer_org: str) -> str:
    """What a dossier is found by: its product and its producer, as written and folded."""
    words = f"{product_name} {producer_org}"
    return f"{lower(words)}\n{fold(words)}"[:MAX_LENGTH]


def like_pattern(query: str) -> str:
    """A LIKE pattern for the query, lower case, its wildcards taken literally (escape character '\\')."""
    typed = lower(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{typed}%"
