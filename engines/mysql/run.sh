#!/usr/bin/env bash
# Start MySQL from the root built by prepare.sh, in the foreground, on 127.0.0.1 only.
#
#   run.sh ROOT HOME PORT SERVER_ID
#
#   ROOT       directory printed by prepare.sh
#   HOME       this checkout's server home (.data/mysql): data/, the socket and the server's own pid file
#   PORT       TCP port on 127.0.0.1 (3308 in the stack)
#   SERVER_ID  server-id of the binlog
#
# mysqld runs through the root's own dynamic loader with the root's libraries, so the data directory can be
# anywhere (here: inside the checkout) and no chroot or mount is needed. The data directory is initialized
# once (--initialize-insecure, into a temporary directory renamed when complete): root@localhost and
# root@127.0.0.1 without password — acceptable only because the server listens on 127.0.0.1.
# Durability as the stack's MariaDB (a development server): innodb_flush_log_at_trx_commit=2, sync_binlog=0
# (MariaDB's default; MySQL's is 1) — a killed mysqld loses nothing, a host crash may lose the last second.
# The script ends with `exec`, so this process's pid IS the server's pid: SIGTERM for a clean shutdown.
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: run.sh ROOT HOME PORT SERVER_ID" >&2
  exit 2
fi
ROOT="$1"
HOME_DIR="$2"
PORT="$3"
SERVER_ID="$4"
[[ -f "$ROOT/.syncline-ready" ]] || { echo "run mysql: $ROOT is not a prepared root (engines/mysql/prepare.sh)" >&2; exit 2; }

loader="$(ls "$ROOT"/lib64/ld-linux-*.so.* "$ROOT"/lib/ld-linux-*.so.* 2>/dev/null | head -n1 || true)"
libdir="$(ls -d "$ROOT"/usr/lib/*-linux-gnu* 2>/dev/null | head -n1 || true)"
[[ -n "$loader" && -n "$libdir" ]] || { echo "run mysql: no dynamic loader / library dir in $ROOT" >&2; exit 2; }
libs="$libdir:$ROOT/lib/$(basename "$libdir")"

mkdir -p "$HOME_DIR"
HOME_DIR="$(cd "$HOME_DIR" && pwd)"
DATA="$HOME_DIR/data"
mysqld=(
  "$loader" --library-path "$libs" "$ROOT/usr/sbin/mysqld"
  --no-defaults
  "--basedir=$ROOT/usr"
  "--lc-messages-dir=$ROOT/usr/share/mysql"
  "--character-sets-dir=$ROOT/usr/share/mysql/charsets"
  "--plugin-dir=$ROOT/usr/lib/mysql/plugin"
  "--user=$(id -un)"
)

if [[ ! -d "$DATA/mysql" ]]; then
  echo "run mysql: initializing $DATA"
  rm -rf "$DATA.init"
  cat >"$HOME_DIR/init.sql" <<'SQL'
CREATE USER 'root'@'127.0.0.1' IDENTIFIED WITH caching_sha2_password BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
GRANT PROXY ON ''@'' TO 'root'@'127.0.0.1' WITH GRANT OPTION;
SQL
  "${mysqld[@]}" --initialize-insecure "--datadir=$DATA.init" "--init-file=$HOME_DIR/init.sql"
  rm -f "$HOME_DIR/init.sql"
  rm -rf "$DATA"
  mv -T "$DATA.init" "$DATA"
fi

exec "${mysqld[@]}" \
  "--datadir=$DATA" \
  "--port=$PORT" \
  --bind-address=127.0.0.1 \
  "--socket=$HOME_DIR/mysqld.sock" \
  "--pid-file=$HOME_DIR/mysqld.pid" \
  --mysqlx=OFF \
  --secure-file-priv= \
  "--server-id=$SERVER_ID" \
  "--log-bin=$DATA/binlog" \
  --gtid-mode=ON \
  --enforce-gtid-consistency=ON \
  --binlog-format=ROW \
  --binlog-row-image=FULL \
  --binlog-row-metadata=FULL \
  --binlog-expire-logs-seconds=604800 \
  --skip-name-resolve \
  --character-set-server=utf8mb4 \
  --collation-server=utf8mb4_0900_ai_ci \
  --innodb-buffer-pool-size=256M \
  --innodb-flush-log-at-trx-commit=2 \
  --sync-binlog=0 \
  --max-allowed-packet=64M \
  --max-connections=300
