"""CPU time of this process's PostgreSQL backend, for rows that print CPU beside wall time (on a
loaded machine wall time measures the other processes too)."""

from __future__ import annotations

import os
from pathlib import Path


def backend_cpu() -> float:
    """utime + stime of the default connection's backend (/proc/<pid>/stat fields 14 and 15), in
    seconds; nan when PostgreSQL runs elsewhere (its /proc is not ours to read)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
