"""Find a Chromium for the e2e journeys, or say exactly what to install.

Order: CHROMIUM_PATH (default /usr/bin/chromium, Debian's package); else Playwright's own
browser (`playwright install chromium`, the usual route on a machine with internet).
Prints the path to use (or "playwright" for Playwright's own) and exits 0; exits 1 with
instructions when there is none.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

DEFAULT = "/usr/bin/chromium"


def system_chromium() -> str | None:
    path = os.environ.get("CHROMIUM_PATH", DEFAULT)
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found


def playwright_chromium() -> bool:
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            return os.path.exists(p.chromium.executable_path)
    except Exception:  # noqa: BLE001
        return False


def main() -> int:
    path = system_chromium()
    if path:
        print(f"e2e browser: {path}")
        return 0
    if playwright_chromium():
        print("e2e browser: Playwright's Chromium")
        return 0
    print("No Chromium found; trying `playwright install chromium` ...")
    result = subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"])
    if result.returncode == 0 and playwright_chromium():
        return 0
    print(
        "\nThe end-to-end tests need Chromium and none could be found or downloaded.\n"
        "Install one of these, then run `make test` again:\n"
        "  Debian/Ubuntu:  sudo apt-get install chromium\n"
        "  or set CHROMIUM_PATH to an existing Chromium/Chrome binary\n"
        "  or, with internet access:  .venv/bin/python -m playwright install chromium\n",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
