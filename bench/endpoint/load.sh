#!/bin/bash
# usage: load.sh NAME ENGINE(pg|sqlite) MODE(one|batch|drain); see README.md
set -u
NAME=$1; ENGINE=$2; MODE=$3; PORT=${PORT:-18790}; BIN=${BIN:-target/release}
PGB=/usr/lib/postgresql/15/bin
ADM=bench-Adm1n-7Kq9xZ2pLw4Rv8Nc
rm -rf /tmp/perf/$NAME; mkdir -p /tmp/perf/$NAME/data
DBARG=()
if [ "$ENGINE" = pg ]; then
  $PGB/psql -h 127.0.0.1 -p 55500 -U postgres -qc "DROP DATABASE IF EXISTS $NAME" >/dev/null 2>&1
  $PGB/createdb -h 127.0.0.1 -p 55500 -U postgres $NAME
  DBARG=(--database postgres://postgres@127.0.0.1:55500/$NAME)
fi
$BIN/recoup-server --data-dir /tmp/perf/$NAME/data --listen 127.0.0.1:$PORT --sandbox --admin-token $ADM --rate-per-sec 100000 "${DBARG[@]}" > /tmp/perf/$NAME/server.log 2>&1 &
SP=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:$PORT/health >/dev/null 2>&1 && break; sleep 0.2; done
case $MODE in
  one) ARGS=(--claims ${CLAIMS:-5000} --accounts 8 --concurrency 16);;
  batch) ARGS=(--claims ${CLAIMS:-10000} --accounts 8 --concurrency 8 --batch 100);;
  drain) ARGS=(--claims 10000 --drain --concurrency 8);;
esac
$BIN/recoup-load --endpoint http://127.0.0.1:$PORT --admin-token $ADM "${ARGS[@]}" 2>&1 | tail -n 12
kill $SP; wait $SP 2>/dev/null
