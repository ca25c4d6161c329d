"""Take screenshots of pages as a given user (for looking at what we build).

    .venv/bin/python tools/screenshots.py BASE_URL EMAIL OUTDIR PATH [PATH ...]
Use EMAIL "-" for anonymous. Password: DEMO_PASSWORD or the demo default; the security code
is the one `flask --app portal demo-code EMAIL` would print (the demo secret, DEMO_TOTP_SECRET),
so run it against a demo database.
"""
import os
import sys
import time

import pyotp
from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def main():
    base, email, outdir, *paths = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    width = int(os.environ.get("SHOT_WIDTH", "1200"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": 900})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        if email != "-":
            page.goto(base + "/login")
            page.fill("#email", email)
            page.fill("#password", os.environ.get("DEMO_PASSWORD", "attend-demo-2026"))
            page.click("button:has-text('Sign in')")
            if page.url.endswith("/login/code"):
                from portal.config import DEMO_TOTP_SECRET

                secret = os.environ.get("DEMO_TOTP_SECRET", DEMO_TOTP_SECRET)
                # the next step's code: the current one may have been used a moment ago
                page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))
                page.click("button:has-text('Continue')")
        for path in paths:
            page.goto(base + path)
            name = path.strip("/").replace("/", "_").replace("?", "_") or "root"
            page.screenshot(path=f"{outdir}/{name}.png", full_page=True)
        browser.close()
        for e in errors:
            print("PAGE ERROR:", e)


if __name__ == "__main__":
    main()
