#!/usr/bin/env bash
# Prepares the strongSwan headers hnv-iked compiles against (Debian ships
# libcharon without them): downloads Debian's source package of the same
# upstream version as the installed strongswan-libcharon and copies the
# headers of libstrongswan and libcharon (no tests, no plugin internals)
# into the cache. Idempotent; needs root the first time (a deb-src entry).
#
#   vpn/iked/prepare_headers.sh [DIR]   default /var/cache/hnv/strongswan
#
# DIR/include holds the headers, DIR/VERSION the upstream version they are
# from; CMake refuses to build hnv-iked when it differs from the installed
# library's.
set -euo pipefail
dir=${1:-${HNV_STRONGSWAN_DIR:-/var/cache/hnv/strongswan}}

installed=$(dpkg-query -W -f='${Version}' strongswan-libcharon 2>/dev/null || true)
if [ -z "$installed" ]; then
  echo "prepare_headers.sh: strongswan-libcharon is not installed (scripts/setup.sh installs it)" >&2
  exit 2
fi
upstream=${installed%%-*}
if [ -f "$dir/VERSION" ] && [ "$(cat "$dir/VERSION")" = "$upstream" ] && [ -f "$dir/include/libcharon/daemon.h" ]; then
  echo "prepare_headers.sh: strongSwan $upstream headers present in $dir"
  exit 0
fi

# Source packages come from the same archive as the binaries.
src_list=/etc/apt/sources.list.d/hnv-deb-src.sources
if ! apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -q '^Sources$'; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "prepare_headers.sh: no deb-src entry and not root: run it once as root" >&2
    exit 2
  fi
  cat > "$src_list" <<'SRC'
# Added by hnv-gateway (vpn/iked/prepare_headers.sh): strongSwan's source
# package provides the headers hnv-iked is built against.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -q </dev/null >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# The newest source of the same upstream version (the security archive can
# hold a binary whose source revision is not published yet).
version=$(apt-cache showsrc strongswan 2>/dev/null | awk '/^Version:/ {print $2}' | grep "^${upstream}-" | sort -V -r | head -n 20)
ok=0
for v in $version; do
  if apt-get source -q --only-source "strongswan=$v" </dev/null >/dev/null 2>&1; then ok=1; echo "prepare_headers.sh: source strongswan $v (installed $installed)"; break; fi
  rm -rf ./*
done
if [ "$ok" -ne 1 ]; then
  echo "prepare_headers.sh: no source package of strongSwan $upstream could be fetched (tried: ${version:-none})" >&2
  exit 1
fi
src=$(find . -maxdepth 1 -type d -name "strongswan-${upstream}" | head -n1)
[ -n "$src" ] || { echo "prepare_headers.sh: unpacked source not found" >&2; exit 1; }

rm -rf "$dir.new"
mkdir -p "$dir.new/include"
for lib in libstrongswan libcharon; do
  (cd "$src/src" && find "$lib" -name '*.h' -not -path '*/tests/*' -not -path '*/plugins/*/*' -print0 |
    xargs -0 cp --parents -t "$dir.new/include")
done
# plugins/plugin.h and friends are public API; the plugins' own dirs are not.
(cd "$src/src" && find libstrongswan/plugins libcharon/plugins -maxdepth 1 -name '*.h' -print0 |
  xargs -0 cp --parents -t "$dir.new/include")
echo "$upstream" > "$dir.new/VERSION"
rm -rf "$dir"
mv "$dir.new" "$dir"
echo "prepare_headers.sh: strongSwan $upstream headers in $dir ($(find "$dir/include" -name '*.h' | wc -l) files)"
