#!/usr/bin/env bash
# Makes a PostgreSQL server available on 127.0.0.1 for the store tests:
# installs Debian's postgresql when missing, starts its cluster, creates the
# role and database smsinbox (password smsinbox), and prints the line to
# evaluate:
#   eval "$(.ci/postgres.sh)"   # sets SMSINBOX_TEST_POSTGRES
# Running it again changes nothing. Everything but that line goes to stderr.
set -euo pipefail

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
	$sudo apt-get update -qq >&2
	$sudo apt-get install -y -qq --no-install-recommends postgresql >&2
fi

# The newest installed version and its first cluster (Debian makes "main").
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
cluster=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v { print $2; exit }')
if [ -z "$cluster" ]; then
	cluster=main
	$sudo pg_createcluster "$version" "$cluster" >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }')
if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $4 }' | grep -q online; then
	$sudo pg_ctlcluster "$version" "$cluster" start >&2
fi

as_postgres() {
	if [ "$(id -un)" = postgres ]; then
		"$@"
	elif [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		sudo -u postgres "$@"
	fi
}
for _ in $(seq 1 30); do
	as_postgres psql -p "$port" -Atqc 'SELECT 1' >/dev/null 2>&1 && break
	sleep 1
done

as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qAt >&2 <<'SQL'
SELECT 'CREATE ROLE smsinbox LOGIN CREATEDB PASSWORD ''smsinbox'''
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'smsinbox') \gexec
SELECT 'CREATE DATABASE smsinbox OWNER smsinbox'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'smsinbox') \gexec
SQL

echo "export SMSINBOX_TEST_POSTGRES=postgres://smsinbox:smsinbox@127.0.0.1:$port/smsinbox?sslmode=disable"
