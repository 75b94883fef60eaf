#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the server's tests (CAUCUS_TEST_POSTGRES).
#
#   scripts/postgres.sh install          installs Debian's postgresql if initdb/pg_ctl are missing
#   scripts/postgres.sh start DIR [PORT] creates a cluster in DIR, serves it on its Unix socket
#                                        in DIR only (PORT, default 5432, only names the socket)
#   scripts/postgres.sh stop DIR         stops it (DIR stays; remove it yourself)
#
# CAUCUS_PG_DURABLE=1 keeps PostgreSQL's durable defaults (fsync, synchronous_commit and
# full_page_writes on) instead of turning them off: for benchmarks that compare it with SQLite's
# synchronous=FULL.
#
# The cluster trusts every local connection (user postgres, no password) and listens on no TCP
# port at all, only on a socket inside DIR: it is for tests, never for data, and it can never
# fail for a port somebody else holds (a port inside the ephemeral range once did, on a fresh
# machine). The URL it prints names the socket's directory (`?host=DIR`), which sqlx and psql
# both take. PostgreSQL refuses to run as root, so as
# root the cluster belongs to, and runs as, the `postgres` OS user (which the Debian package
# creates).
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

# initdb and pg_ctl: on PATH, else where Debian puts them (newest version first).
find_bin() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/$name" ]; then
            echo "$dir/$name"
            return 0
        fi
    done
    return 1
}

# Runs a command as the cluster's owner: ourselves, or `postgres` when we are root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

install() {
    if find_bin initdb >/dev/null && find_bin pg_ctl >/dev/null; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "initdb is missing; run this as root to install postgresql"
    echo "postgres.sh: installing postgresql (Debian)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    find_bin initdb >/dev/null || die "postgresql installed, but no initdb found"
}

start() {
    local dir=${1:?usage: start DIR [PORT]} port=${2:-5432}
    local initdb pg_ctl
    initdb=$(find_bin initdb) || die "no initdb: run scripts/postgres.sh install"
    pg_ctl=$(find_bin pg_ctl) || die "no pg_ctl: run scripts/postgres.sh install"
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        # C collation: text sorts by bytes, as in SQLite.
        as_owner "$initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
            --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    fi
    # The socket goes in DIR too, so nothing outside it is touched. Durability is not the
    # point of a test cluster: fsync off makes creating a database per test cheap.
    local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${CAUCUS_PG_DURABLE:-0}" != 1 ] || durability=""
    as_owner "$pg_ctl" --pgdata="$dir/data" --log="$dir/postgres.log" --wait --timeout=60 \
        -o "-c listen_addresses= -p $port -c unix_socket_directories=$dir \
            $durability -c max_connections=300" start >/dev/null ||
        { tail -n 20 "$dir/postgres.log" >&2; die "the cluster in $dir did not start"; }
    echo "postgres://postgres@localhost:$port/postgres?host=$dir"
}

stop() {
    local dir=${1:?usage: stop DIR} pg_ctl
    pg_ctl=$(find_bin pg_ctl) || die "no pg_ctl"
    [ -f "$dir/data/postmaster.pid" ] || return 0
    as_owner "$pg_ctl" --pgdata="$dir/data" --mode=fast --wait stop >/dev/null
}

case "${1:-}" in
    install) install ;;
    start) shift; start "$@" ;;
    stop) shift; stop "$@" ;;
    *) die "usage: $0 install | start DIR [PORT] | stop DIR" ;;
esac
