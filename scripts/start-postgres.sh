#!/usr/bin/env bash
# Starts a local PostgreSQL on 127.0.0.1:5432 with trust auth and a `test` database,
# installing it first when the machine has none. Used by .ci/run and by hand.
# Prints the URL the tests read from CUMBRE_TEST_PG_URL.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  echo "installing postgresql…" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >&2
fi

conf="/etc/postgresql/$version/main"
# Loopback only, trust auth: this cluster exists for tests and local development.
cat > "$conf/pg_hba.conf" <<'HBA'
local all all trust
host  all all 127.0.0.1/32 trust
host  all all ::1/128 trust
HBA
sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "$conf/postgresql.conf"
sed -i "s/^#\?port = .*/port = 5432/" "$conf/postgresql.conf"
sed -i "s/^#\?max_connections = .*/max_connections = 300/" "$conf/postgresql.conf"

if pg_lsclusters -h | grep -q "^$version main .* online"; then
  pg_ctlcluster "$version" main reload >&2
else
  pg_ctlcluster "$version" main start >&2
fi

for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && break
  sleep 1
done

psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='cumbre'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE ROLE cumbre LOGIN SUPERUSER" >&2
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE test OWNER cumbre" >&2

# Each test run creates databases named cumbre_test_*; drop those of earlier runs.
for db in $(psql -h 127.0.0.1 -U postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'cumbre\_test\_%'"); do
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >&2 || true
done

echo "postgres://cumbre@127.0.0.1:5432/test"
