#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for running the tests on PostgreSQL.
#   deploy/postgres.sh start   install PostgreSQL if missing (deploy/packages.txt), start the
#                              cluster if it is not running, print its URL on stdout
#   deploy/postgres.sh url     print the URL only
#   deploy/postgres.sh stop    stop the cluster and delete its data
# Safe to run again: `start` on a running cluster only prints the URL. Never for real data:
# fsync is off (a power cut of the machine may lose it) and the password is "motcua".
# The cluster runs as an unprivileged user (initdb refuses root): the one running this, or
# Debian's `postgres` user when that is root (CI). Each checkout has its own port and data
# directory, so two checkouts' tests do not share a cluster; MOTCUA_PG_PORT and MOTCUA_PG_DIR
# choose others.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${MOTCUA_PG_PORT:-$((55000 + $(pwd | cksum | cut -d' ' -f1) % 900))}"
dir="${MOTCUA_PG_DIR:-/tmp/motcua-postgres-$port}"
url="postgresql+psycopg://motcua:motcua@127.0.0.1:$port/motcua"

bin_dir() {
    # The newest PostgreSQL installed (Debian keeps each major version apart).
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

install_postgres() {
    [[ -n $(bin_dir) ]] && return
    mapfile -t pkgs < <(grep -v '^\s*#' deploy/packages.txt | awk '$1 ~ /^postgresql/ {print $1}')
    ((${#pkgs[@]})) || { echo "motcua: no postgresql package in deploy/packages.txt" >&2; exit 1; }
    echo "motcua: installing ${pkgs[*]}" >&2
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2
}

running() {
    [[ -f $dir/PG_VERSION ]] && as_owner "$(bin_dir)/pg_ctl" -D "$dir" status > /dev/null 2>&1
}

start() {
    install_postgres
    local bin
    bin="$(bin_dir)"
    if ! running; then
        if [[ ! -f $dir/PG_VERSION ]]; then
            rm -rf "$dir"
            mkdir -p "$dir"
            printf 'motcua\n' > "$dir.pw"
            [[ $(id -u) -eq 0 ]] && chown postgres: "$dir" "$dir.pw"
            chmod 700 "$dir"
            # No locale: text compares and sorts by code point, as in SQLite.
            as_owner "$bin/initdb" -D "$dir" -U motcua --pwfile="$dir.pw" -A scram-sha-256 \
                --no-locale -E UTF8 > "$dir.initdb.log" 2>&1 \
                || { cat "$dir.initdb.log" >&2; exit 1; }
            rm -f "$dir.pw"
            # Throwaway: nothing waits for the disk. Tests make a database per test.
            cat >> "$dir/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
EOF
        fi
        as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start > /dev/null \
            || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    fi
    if ! PGPASSWORD=motcua "$bin/psql" -h 127.0.0.1 -p "$port" -U motcua -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'motcua'" | grep -q 1; then
        PGPASSWORD=motcua "$bin/psql" -h 127.0.0.1 -p "$port" -U motcua -d postgres -qc "CREATE DATABASE motcua" >&2
    fi
    echo "$url"
}

stop() {
    local bin
    bin="$(bin_dir)"
    if running; then
        as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop > /dev/null
    fi
    rm -rf "$dir" "$dir.pw" "$dir.initdb.log"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) echo "$url" ;;
    *) echo "usage: deploy/postgres.sh start|stop|url" >&2; exit 2 ;;
esac
