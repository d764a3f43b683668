#!/usr/bin/env bash
# Prints the path of the release verifyd of the revision BASE (a commit, tag or branch), building it first when
# needed: once, in a detached git worktree, .build/bench-base/<full sha>, reused while its binary is there
# (`rm -rf .build/bench-base && git worktree prune` forgets them). Used by `make bench` and `make profile`: with
# `--args`, prints their arguments instead, one per line (`--base-binary PATH --base-label SHORT-SHA`).
set -euo pipefail
cd "$(dirname "$0")/.."
sha=$(git rev-parse --verify --quiet "${BASE}^{commit}") || { echo "base: BASE=$BASE is not a commit" >&2; exit 2; }
dir=.build/bench-base/$sha
if [[ ! -x "$dir/.build/release/verifyd" ]]; then
  if [[ ! -e "$dir/.git" ]]; then
    rm -rf "$dir" && mkdir -p .build/bench-base
    # --force: after `rm -rf .build` the worktree is still registered, its directory missing.
    git worktree add --force --detach "$dir" "$sha" >/dev/null
  fi
  # The same dependency versions as the current build (Package.resolved is not committed).
  if [[ -f Package.resolved && ! -f "$dir/Package.resolved" ]]; then cp Package.resolved "$dir/"; fi
  echo "base: building the release verifyd of $BASE (${sha:0:7}) in $dir" >&2
  (cd "$dir" && swift build -c release --product verifyd >/dev/null)
fi
if [[ "${1:-}" == --args ]]; then
  printf '%s\n' --base-binary "$PWD/$dir/.build/release/verifyd" --base-label "${sha:0:7}"
else
  echo "$PWD/$dir/.build/release/verifyd"
fi
