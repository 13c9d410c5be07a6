"""Uploaded documents kept in a cluster's folder: what is accepted, and deleting stored files
only once the database change that drops them has committed.

Used by the services of the site's documents (tenants.content) and the committees' documents
(tenants.governance); both are served only by permission-checked download views.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_EXTENSIONS = frozenset(
    {
        ".pdf",
        ".doc",
        ".docx",
        ".odt",
        ".rtf",
        ".txt",
        ".xls",
        ".xlsx",
        ".ods",
        ".csv",
        ".ppt",
        ".pptx",
        ".odp",
        ".png",
        ".jpg",
        ".jpeg",
        ".zip",
    }
)


def document_check(file: UploadedFile) -> str:
    """The upload's file name (without folders) if it is a document we accept."""
    original = PurePath(file.name or "").name
    if not original or not file.size:
        raise ValidationError({"file": "Файл пустой."})
    if (file.size or 0) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"file": "Файл больше 20 МБ."})
    if PurePath(original).suffix.lower() not in DOCUMENT_EXTENSIONS:
        raise ValidationError(
            {
                "file": "Такой тип файла не принимается. Допустимы: "
                + ", ".join(sorted(DOCUMENT_EXTENSIONS))
                + "."
            }
        )
    return original


def delete_files_on_commit(storage: Storage, names: Iterable[str | None]) -> None:
    """Delete the stored files after the current transaction commits (never if it rolls back)."""
    kept = [name for name in names if name]
    if not kept:
        return

    def delete() -> None:
        for name in kept:
            storage.delete(name)

    transaction.on_commit(delete)


@contextmanager
def stored_file_rollback(field_file: FieldFile, *, keep: Iterable[str | None]) -> Iterator[None]:
    """If the block fails after the file was stored, delete the stored copy (the row that
    would have named it rolled back); names in `keep` are never deleted."""
    try:
        yield
    except Exception:
        if field_file.name and field_file.name not in set(keep):
            field_file.storage.delete(field_file.name)
        raise


MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_SIDE = 4096
IMAGE_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}


def image_check(file: UploadedFile) -> str:
    """The extension (".png", ".jpg", ".webp") of an uploaded picture we accept: a real PNG,
    JPEG or WebP image (decoded by Pillow, whatever the file's name says), up to 2 MB and
    4096 px a side."""
    from PIL import Image, UnidentifiedImageError

    if not file.size:
        raise ValidationError({"file": "Файл пустой."})
    if file.size > MAX_IMAGE_BYTES:
        raise ValidationError({"file": "Изображение больше 2 МБ."})
    try:
        file.seek(0)
        with Image.open(file) as image:
            kind = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError({"file": "Файл не является изображением PNG, JPEG или WebP."}) from exc
    finally:
        file.seek(0)
    if kind not in IMAGE_FORMATS:
        raise ValidationError({"file": "Допустимы изображения PNG, JPEG или WebP."})
    if max(width, height) > MAX_IMAGE_SIDE:
        raise ValidationError({"file": f"Изображение больше {MAX_IMAGE_SIDE} точек по стороне."})
    return IMAGE_FORMATS[kind]
