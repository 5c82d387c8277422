#!/usr/bin/env bash
# Sizes of three minimal programs that serve a folder: net/http alone, swkit's
# serving-only package (server, for a worker built beforehand), and package
# swkit (which generates the worker at start-up and links esbuild). Prints a
# Markdown table; see docs/library.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/work/binsize
mkdir -p "$out"
printf '%s, %s\n\n' "$(go version)" "$(git rev-parse --short HEAD 2>/dev/null || echo worktree)"
printf '| program | size | over hello | stripped (-s -w) | over hello |\n| --- | ---: | ---: | ---: | ---: |\n'
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
base= basestripped=
for p in hello server swkit; do
	go build -o "$out/$p" "./bench/binsize/$p"
	go build -ldflags='-s -w' -o "$out/$p-stripped" "./bench/binsize/$p"
	full=$(stat -c %s "$out/$p")
	stripped=$(stat -c %s "$out/$p-stripped")
	[ -z "$base" ] && base=$full basestripped=$stripped
	printf '| %s | %s | %s | %s | %s |\n' "$p" "$(mib "$full")" "$(mib $((full - base)))" "$(mib "$stripped")" "$(mib $((stripped - basestripped)))"
done
if go list -deps ./bench/binsize/server | grep -q esbuild; then
	echo "server links esbuild" >&2
	exit 1
fi
