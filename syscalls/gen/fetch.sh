#!/usr/bin/env bash
# Downloads the Debian packages pinned in inputs.txt, checks their sha256 and
# extracts them into the header directory the generator reads:
#   ${RINGFENCE_HEADERS:-${XDG_CACHE_HOME:-$HOME/.cache}/ringfence/uapi-headers}
# Usage: syscalls/gen/fetch.sh [DIR]
# It uses a private apt configuration (Debian trixie, main), so it neither reads
# nor changes the system's apt sources. Needs apt-get, dpkg-deb and sha256sum.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
inputs="$here/inputs.txt"
dest="${1:-${RINGFENCE_HEADERS:-${XDG_CACHE_HOME:-$HOME/.cache}/ringfence/uapi-headers}}"

if [ -f "$dest/INPUTS" ] && cmp -s "$dest/INPUTS" "$inputs"; then
  echo "fetch.sh: $dest already holds the pinned headers"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
cat >"$work/trixie.sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o "Dir::Etc::sourcelist=$work/trixie.sources" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" -qq update

rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
grep -v '^\s*#' "$inputs" | grep -v '^\s*$' | while read -r pkg ver arch sum; do
  (cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download "$pkg:$arch=$ver") || {
    echo "fetch.sh: cannot download $pkg $ver ($arch) from trixie; if Debian replaced it, update inputs.txt and regenerate" >&2
    exit 1
  }
  deb="$(ls "$work/debs/${pkg}_"*"_$arch.deb")"
  got="$(sha256sum "$deb" | cut -d' ' -f1)"
  if [ "$got" != "$sum" ]; then
    echo "fetch.sh: sha256 mismatch for $deb: got $got, inputs.txt pins $sum" >&2
    exit 1
  fi
  dpkg-deb -x "$deb" "$dest.tmp"
  rm -f "$deb"
done
cp "$inputs" "$dest.tmp/INPUTS"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "fetch.sh: headers in $dest"
