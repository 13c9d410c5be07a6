"""Compile every catalog (<app>/locale/*/LC_MESSAGES/django.po) to .mo with polib (no GNU gettext).

The UI's strings live in frontend/locale; an area may keep its own catalog in its app's
locale/ folder (Django finds those through INSTALLED_APPS), so areas don't edit one file.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".venv", ".local", ".git", "node_modules"}


def catalogs() -> list[Path]:
    return sorted(
        p for p in ROOT.rglob("locale/*/LC_MESSAGES/*.po") if not SKIP & set(p.relative_to(ROOT).parts)
    )


if __name__ == "__main__":
    for po_path in catalogs():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        print(f"compiled {mo_path.relative_to(ROOT)}")
