#!/usr/bin/env python
"""Django's command-line entry point for clusterhub."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# platform/ is a folder, not a package: putting it on sys.path exposes the
# `clusterhub` project package without shadowing the stdlib `platform` module.
for entry in (str(ROOT), str(ROOT / "platform")):
    if entry not in sys.path:
        sys.path.insert(0, entry)


def main() -> None:
    from clusterhub.entry import configure

    configure()  # development settings by default; production must name its settings (clusterhub/entry.py)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
