"""Media storage that keeps every cluster's files apart (production's default storage).

Inside a cluster's schema every file name lives under ``clusters/<schema>/``: a name an
app chose without that prefix gets it, and reading, checking or deleting a name under
another cluster's folder (or outside ``clusters/<schema>/``) raises
SuspiciousFileOperation. The public schema (platform code, cross-cluster jobs) may touch
any name. Files are never served by nginx: views that check permissions stream them.
"""

from __future__ import annotations

import posixpath
from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django_tenants.utils import get_public_schema_name

CLUSTERS_DIR = "clusters"


def _schema() -> str:
    return str(getattr(connection, "schema_name", get_public_schema_name()))


class ClusterMediaStorage(FileSystemStorage):
    def _prefix(self) -> str | None:
        schema = _schema()
        return None if schema == get_public_schema_name() else f"{CLUSTERS_DIR}/{schema}/"

    def _scoped(self, name: str) -> str:
        """The name inside this cluster's folder (unchanged on the public schema)."""
        prefix = self._prefix()
        name = posixpath.normpath(str(name).replace("\\", "/")).lstrip("/")
        if prefix is None or name.startswith(prefix):
            return name
        if name.startswith(f"{CLUSTERS_DIR}/"):
            raise SuspiciousFileOperation(f"{name!r} belongs to another cluster's folder")
        return prefix + name

    def _check(self, name: str) -> str:
        """Refuse a stored name outside the current cluster's folder."""
        prefix = self._prefix()
        normalized = posixpath.normpath(str(name).replace("\\", "/")).lstrip("/")
        if prefix is not None and not normalized.startswith(prefix):
            raise SuspiciousFileOperation(f"{name!r} is outside the folder of cluster {_schema()!r}")
        return str(name)

    # names chosen for new files
    def generate_filename(self, filename: Any) -> str:
        return super().generate_filename(self._scoped(filename))

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return super().get_available_name(self._scoped(name), max_length=max_length)

    # access to stored names (FileSystemStorage opens and saves through path())
    def path(self, name: str) -> str:
        return super().path(self._check(name))

    def delete(self, name: str) -> None:
        super().delete(self._check(name))

    def exists(self, name: str) -> bool:
        return super().exists(self._check(name))

    def size(self, name: str) -> int:
        return super().size(self._check(name))

    def url(self, name: str | None) -> str:
        return super().url(self._check(name) if name else name)
