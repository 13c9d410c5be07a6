"""Start localstripe (a stateful fake Stripe server from PyPI) when no Stripe API is configured.

The demo and the tests call ensure_localstripe(); production sets STRIPE_API_BASE (or
leaves Stripe's own API) and never starts it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from clusterhub.env import LOCAL_DIR, tcp_reachable

DEFAULT_PORT = 8420


def localstripe_url(port: int = DEFAULT_PORT) -> str:
    return f"http://127.0.0.1:{port}"


def ensure_localstripe(
    port: int = DEFAULT_PORT, timeout: float = 20.0
) -> tuple[str, subprocess.Popen[bytes] | None]:
    """The Stripe API base to use, and the process we started (None if we started none)."""
    configured = os.environ.get("STRIPE_API_BASE")
    if configured:
        return configured, None
    if tcp_reachable("127.0.0.1", port):
        return localstripe_url(port), None
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    executable = Path(sys.executable).parent / "localstripe"
    log = (LOCAL_DIR / "localstripe.log").open("ab")
    # --from-scratch: localstripe keeps its state in one fixed file, /tmp/localstripe.pickle, shared by
    # every localstripe on the machine; two at once (a demo beside the tests) can leave it truncated,
    # and a later start that loads it dies. Each run starts empty instead.
    process = subprocess.Popen(  # noqa: S603 - our own venv's console script
        [str(executable), "--port", str(port), "--from-scratch"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tcp_reachable("127.0.0.1", port, timeout=0.2):
            return localstripe_url(port), process
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"localstripe did not start on port {port}; see {LOCAL_DIR / 'localstripe.log'}")
