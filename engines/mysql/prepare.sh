#!/usr/bin/env bash
# Build (once) a Debian unstable root holding MySQL 9.7 (package mysql-server-core), cached per machine.
#
#   engines/mysql/prepare.sh      -> prints the root directory as the LAST stdout line
#
# Root: ${SYNCLINE_MYSQL_CACHE:-$HOME/.cache/syncline/mysql-9.7}/root, complete when root/.syncline-ready
# exists (then nothing is downloaded and root is not needed). Building runs
#   debootstrap --variant=minbase --include=mysql-server-core sid <tmp> <Debian mirror of /etc/apt>
# (~560 MB, ~35-60 s) and needs root. The server itself runs later from that root through the root's own
# dynamic loader (engines/mysql/run.sh), so no chroot, no mount and no host package is touched.
# Progress lines go to stderr. Exit codes: 0 ok, 3 not root, 4 debootstrap missing, 5 mirror unreachable,
# 2 anything else.
set -euo pipefail

CACHE="${SYNCLINE_MYSQL_CACHE:-$HOME/.cache/syncline/mysql-9.7}"
ROOT="$CACHE/root"
READY="$ROOT/.syncline-ready"
say() { printf 'prepare mysql: %s\n' "$*" >&2; }

if [[ -f "$READY" ]]; then
  echo "$ROOT"
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  say "the MySQL 9.7 root ($ROOT) is not built yet and building it needs root (debootstrap);"
  say "run once as root: sudo ./syncline stack up --with mysql   (later starts need no root)"
  exit 3
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  say "debootstrap is missing: installing it (apt-get install -y debootstrap)…"
  apt-get update -qq >&2 || say "apt-get update failed; trying the install with the current package lists"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2 || ! command -v debootstrap >/dev/null; then
    say "debootstrap could not be installed: install it yourself (apt-get install -y debootstrap) and retry"
    exit 4
  fi
fi

# The Debian mirror this machine's apt uses (deb822 sources first, then sources.list), not the security one.
mirror="${SYNCLINE_DEBIAN_MIRROR:-}"
if [[ -z "$mirror" ]]; then
  mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n' |
    grep -v -- '-security' | grep -m1 '^http' || true)"
fi
if [[ -z "$mirror" ]]; then
  mirror="$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\(http[^[:space:]]*\).*/\2/p' \
    /etc/apt/sources.list 2>/dev/null | grep -v -- '-security' | head -n1 || true)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"
mirror="${mirror%/}"

if command -v curl >/dev/null 2>&1 &&
  ! curl -fsS -o /dev/null --max-time 20 "$mirror/dists/sid/Release" 2>/dev/null; then
  say "the Debian mirror $mirror does not answer ($mirror/dists/sid/Release):"
  say "check the network / proxy, or name a reachable mirror with SYNCLINE_DEBIAN_MIRROR=http://<mirror>/debian"
  exit 5
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # a concurrent build finishes first; then this one finds the marker
if [[ -f "$READY" ]]; then
  echo "$ROOT"
  exit 0
fi

TMP="$CACHE/root.tmp"
rm -rf "$TMP" "$ROOT"
t0=$(date +%s)
say "building the MySQL 9.7 root once: debootstrap --variant=minbase --include=mysql-server-core sid from $mirror (~560 MB)…"
set +e
debootstrap --variant=minbase --include=mysql-server-core sid "$TMP" "$mirror" 2>&1 |
  tee "$CACHE/debootstrap.log" |
  grep --line-buffered -E '^(I: (Retrieving Release|Resolving dependencies of required|Checking component|Retrieving packages|Installing core|Unpacking the base|Configuring the base|Base system installed)|E: )' |
  sed -u 's/^/prepare mysql:   /' >&2
rc=${PIPESTATUS[0]}
set -e
if [[ "$rc" -ne 0 || ! -x "$TMP/usr/sbin/mysqld" ]]; then
  say "debootstrap failed (exit $rc); its log: $CACHE/debootstrap.log"
  tail -n 8 "$CACHE/debootstrap.log" | sed 's/^/prepare mysql:   | /' >&2 || true
  grep -qiE 'Failed getting release|Couldn.t download|resolve|Connection' "$CACHE/debootstrap.log" && exit 5
  exit 2
fi
version="$(sed -n '/^Package: mysql-server-core$/,/^$/s/^Version: //p' "$TMP/var/lib/dpkg/status")"
case "$version" in
  9.7.*) ;;
  *) say "warning: Debian unstable now ships mysql-server-core $version (this stack was built for 9.7.x)" ;;
esac
rm -rf "$TMP/var/cache/apt/archives/"*.deb
printf 'mysql-server-core=%s\nmirror=%s\nbuilt_at=%s\n' "$version" "$mirror" "$(date -u +%FT%TZ)" >"$TMP/.syncline-ready"
mv -T "$TMP" "$ROOT"
say "root ready: mysql-server-core $version in $(( $(date +%s) - t0 )) s ($ROOT)"
echo "$ROOT"
