#!/usr/bin/env bash
# `make docs`: regenerates the settings table of docs/configuration.md from the declarations (verifyd config
# --markdown). DocsTests fails when the two differ.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product verifyd >/dev/null
table=$(mktemp)
"$(swift build --show-bin-path)/verifyd" config --markdown > "$table"
python3 - "$table" <<'PY'
import re, sys
path = "docs/configuration.md"
text = open(path, encoding="utf-8").read()
table = open(sys.argv[1], encoding="utf-8").read()
begin = re.search(r"<!-- BEGIN SETTINGS TABLE[^\n]*\n", text)
end = text.find("<!-- END SETTINGS TABLE -->")
if not begin or end < 0:
    sys.exit("docs/configuration.md: settings table markers not found")
open(path, "w", encoding="utf-8").write(text[:begin.end()] + table + text[end:])
print("docs/configuration.md: settings table updated")
PY
rm -f "$table"
