#!/usr/bin/env bash
# Builds `make bench`'s two yardsticks and prints their bench.py arguments, one per line:
# - the Go peer (../shared/bench/go-peer/ by default, GO_PEER_DIR to change; a yardstick, not part of verifyd),
#   built with Debian's golang-go and golang-github-gomodule-redigo-dev into .build/peers/go-peer;
# - the Hummingbird floor: the `hummingbird-floor` product, a bare Hummingbird app answering GET /health/live.
# GO_PEER=off skips the Go peer (and its ratios), FLOOR=off the floor.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${GO_PEER:-on}" != off ]]; then
  peer=${GO_PEER_DIR:-../shared/bench/go-peer}
  [[ -f "$peer/main.go" ]] || { echo "peers: no Go peer in $peer (GO_PEER_DIR=…, or GO_PEER=off)" >&2; exit 2; }
  scripts/install-deps.sh deb:golang-go deb:golang-github-gomodule-redigo-dev >&2
  mkdir -p .build/peers
  # Debian's Go packages live in GOPATH=/usr/share/gocode; no module download.
  (cd "$peer" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$OLDPWD/.build/peers/go-cache" \
    go build -o "$OLDPWD/.build/peers/go-peer" .)
  printf '%s\n' --go-peer "$PWD/.build/peers/go-peer"
fi
if [[ "${FLOOR:-on}" != off ]]; then
  swift build -c release --product hummingbird-floor >/dev/null
  printf "%s\n" --floor "$(swift build -c release --show-bin-path 2>/dev/null)/hummingbird-floor"
fi
