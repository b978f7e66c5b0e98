"""The file types an evidence upload may have: one list for the web's settings and the validator.

The web's `UPLOAD_EXTENSIONS` setting defaults to this list (and the service's MIME check is
derived from that setting); `validate` checks every evidence field's `accept:` against it
(E231), so a form cannot promise a type no upload will ever be allowed to have.
"""

from __future__ import annotations

# Evidence files people actually hold: scans, photos and office documents, and the short film
# Mẫu 02's product story may be ("tờ rơi, hình ảnh, phim, ghi âm"; the forms accept mp4 for it).
UPLOAD_TYPES: tuple[str, ...] = (
    "pdf", "jpg", "jpeg", "png", "webp", "docx", "xlsx", "odt", "ods", "txt", "csv", "mp4",
)  # fmt: skip


def normalise(extension: str) -> str:
    """`.PDF` -> `pdf`: how a file type is written in a setting or in `accept:`."""
    return extension.strip().lower().lstrip(".")
