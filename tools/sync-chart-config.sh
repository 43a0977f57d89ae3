#!/usr/bin/env bash
# Refresh the Helm chart's copy of the device configuration: charts/astrotango/config/ must equal
# tango-db/ (Helm cannot read files outside the chart; tests/deploy checks the copy).
#
# Usage: tools/sync-chart-config.sh           copy tango-db/*.json into the chart
#        tools/sync-chart-config.sh --check   exit 1 (and show the difference) if they differ
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo_root/tango-db"
dst="$repo_root/charts/astrotango/config"

if [ "${1:-}" = "--check" ]; then
    status=0
    for f in "$src"/*.json "$dst"/*.json; do
        name="$(basename "$f")"
        cmp -s "$src/$name" "$dst/$name" || { echo "differs or missing: $name" >&2; status=1; }
    done
    if [ "$status" -eq 0 ]; then
        echo "charts/astrotango/config/ is up to date with tango-db/"
    else
        echo "charts/astrotango/config/ differs from tango-db/: run tools/sync-chart-config.sh" >&2
        exit 1
    fi
    exit 0
fi

mkdir -p "$dst"
find "$dst" -maxdepth 1 -name '*.json' -delete
cp "$src"/*.json "$dst"/
echo "copied $(ls "$src"/*.json | wc -l) file(s) from tango-db/ to charts/astrotango/config/"
