#!/usr/bin/env bash
# Provision PostgreSQL for the end-to-end tests (run by `make postgres`, which
# `make test` runs): locate the server binaries, installing Debian's package
# when they are missing and we are root, then initialise one cluster in
# DEST/template and write the binaries' folder to DEST/bin-dir.
# tests/support/postgres.py copies that cluster for each server it starts.
#
# initdb and postgres refuse to run as root: as root the cluster is made by
# the unprivileged `postgres` user (created if missing), which the fixture
# then runs the server as.
set -euo pipefail

dest=${1:?usage: provision_postgres.sh DEST}
service_user=postgres

# Already provisioned, and the binaries are still there: nothing to do.
if [ -f "$dest/template/PG_VERSION" ] && [ -f "$dest/bin-dir" ] \
    && [ -x "$(cat "$dest/bin-dir")/postgres" ] \
    && { [ "$(id -u)" -ne 0 ] || id -u "$service_user" >/dev/null 2>&1; }; then
    exit 0
fi

has_server() {
    [ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ] && [ -x "$1/postgres" ]
}

# initdb on PATH (resolved: /usr/local/bin/initdb may link into
# /usr/lib/postgresql/N/bin), else the newest /usr/lib/postgresql/*/bin.
locate_bin_dir() {
    local found
    if found=$(command -v initdb 2>/dev/null); then
        found=$(dirname "$(readlink -f "$found")")
        if has_server "$found"; then echo "$found"; return 0; fi
    fi
    for found in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if has_server "$found"; then echo "$found"; return 0; fi
    done
    return 1
}

if ! bin_dir=$(locate_bin_dir); then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "PostgreSQL server binaries (initdb, pg_ctl, postgres) are not on PATH nor under" \
             "/usr/lib/postgresql/*/bin, and installing them needs root and apt-get:" \
             "install them (e.g. apt-get install postgresql), then run make postgres." >&2
        exit 1
    fi
    echo "Installing PostgreSQL with apt-get for the end-to-end tests" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin_dir=$(locate_bin_dir)
fi

as_server_user=()
work=$(mktemp -d /tmp/pg-provision-XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ "$(id -u)" -eq 0 ]; then
    if ! id -u "$service_user" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$service_user"
    fi
    chown "$service_user:" "$work"
    as_server_user=(runuser -u "$service_user" --)
fi

# In /tmp, not the repository, which the service user may not be able to reach.
(cd "$work" && LC_ALL=C LANG=C "${as_server_user[@]}" "$bin_dir/initdb" -D "$work/data" \
    -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >/dev/null)
# Only this machine may connect: the unix socket and 127.0.0.1.
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$work/data/pg_hba.conf"

rm -rf "$dest"
mkdir -p "$dest"
cp -a "$work/data" "$dest/template"
echo "$bin_dir" >"$dest/bin-dir"
echo "$("$bin_dir/postgres" --version) provisioned for the tests in $dest" >&2
