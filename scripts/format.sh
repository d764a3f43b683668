#!/usr/bin/env bash
# `make format`: formats the Swift sources with swift-format (the toolchain's, configured by .swift-format).
# `scripts/format.sh --check` changes nothing and fails, listing the files, when any file is not formatted.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.swift')
if [ "${1:-}" = --check ]; then
  unformatted=()
  for file in "${files[@]}"; do
    swift format format --configuration .swift-format "$file" | cmp -s - "$file" || unformatted+=("$file")
  done
  if [ ${#unformatted[@]} -gt 0 ]; then
    printf 'not formatted (run make format): %s\n' "${unformatted[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} Swift files formatted"
else
  swift format format --configuration .swift-format --in-place --parallel "${files[@]}"
fi
