"""Container health check: exit 0 when the app answers `ok` on /_stcore/health.

Standard library only, so the image needs no curl or wget. The port is read from
BNLAB_PORT, like deploy/entrypoint.sh (default 8501).

    python deploy/healthcheck.py            # checks 127.0.0.1:$BNLAB_PORT
    python deploy/healthcheck.py 8600       # checks another port
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def healthy(port: int, host: str = "127.0.0.1", timeout: float = 4.0) -> bool:
    url = f"http://{host}:{port}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: list[str]) -> int:
    port = int(argv[1]) if len(argv) > 1 else int(os.environ.get("BNLAB_PORT", "8501"))
    ok = healthy(port)
    print("ok" if ok else f"unhealthy: no 'ok' from port {port}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
