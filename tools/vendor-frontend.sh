#!/usr/bin/env bash
# Re-vendor the front-end files from the npm registry (run by hand when upgrading; the
# result is committed, nothing is fetched at run time).
#   htmx.org@2.0.11       -> static/vendor/htmx.min.js
#   govuk-frontend@6.3.0  -> static/vendor/govuk-frontend/
# This is not a GOV.UK-domain service, so the GDS Transport font and the crown are left
# out: the @font-face rules are removed and the font stack falls back to Arial.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent htmx.org@2.0.11 govuk-frontend@6.3.0 >/dev/null
mkdir htmx govuk
tar xzf htmx.org-2.0.11.tgz -C htmx --strip-components=1
tar xzf govuk-frontend-6.3.0.tgz -C govuk --strip-components=1
out="$here/static/vendor"
rm -rf "$out/govuk-frontend" && mkdir -p "$out/govuk-frontend"
cp htmx/dist/htmx.min.js "$out/htmx.min.js"
cp govuk/dist/govuk/govuk-frontend.min.js "$out/govuk-frontend/govuk-frontend.min.js"
python3 - "$work/govuk/dist/govuk/govuk-frontend.min.css" "$out/govuk-frontend/govuk-frontend.min.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r"/\*![^*]*Margaret Calvert[^*]*\*/", "", css)
css = re.sub(r"@font-face\{font-family:GDS Transport;[^}]*\}", "", css)
css = css.replace("font-family:GDS Transport,arial,sans-serif", "font-family:arial,sans-serif")
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
assert "GDS Transport" not in css
open(sys.argv[2], "w", encoding="utf-8").write(css)
PY
grep -q "\"license\": \"MIT\"" govuk/package.json
cp htmx/LICENSE "$out/htmx.LICENSE"
echo "vendored into $out"
