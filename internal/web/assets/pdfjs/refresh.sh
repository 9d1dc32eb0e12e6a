#!/bin/sh
# Refreshes the vendored pdf.js (Mozilla, Apache-2.0) from the npm
# registry's pdfjs-dist package: the two modules the pages load, and the
# licence. Run from anywhere: sh internal/web/assets/pdfjs/refresh.sh [VERSION]
set -eu
version=${1:-5.4.394}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "pdfjs-dist@$version" >/dev/null && tar xzf pdfjs-dist-*.tgz)
cp "$tmp/package/build/pdf.min.mjs" "$tmp/package/build/pdf.worker.min.mjs" "$tmp/package/LICENSE" "$here/"
echo "pdfjs-dist@$version" > "$here/VERSION"
echo "pdf.js refreshed to $version"
