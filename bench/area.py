"""`python -m bench.area bench.fees [bench.billing …]`: run some area benchmarks alone.

Sets Django up (bench.bootstrap) before importing them, prints their rows and notes.
"""

from __future__ import annotations

import importlib
import logging
import sys


def main(names: list[str]) -> int:
    from bench import bootstrap

    bootstrap.setup()
    logging.getLogger("tenants").setLevel(logging.WARNING)
    from bench import fixtures
    from bench.report import render_table

    fixtures.cleanup()
    rows: list = []
    notes: list[str] = []
    try:
        fixture = fixtures.provision_request_fixture()
        for name in names:
            module = importlib.import_module(name)
            rows += module.run(fixture)
            notes += list(getattr(module, "NOTES", []))
    finally:
        fixtures.cleanup()
    sys.stdout.write(render_table(rows) + "\n" + "\n".join(notes) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["bench.fees"]))
