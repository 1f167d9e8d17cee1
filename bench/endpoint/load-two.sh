#!/bin/bash
# usage: load-two.sh NAME MODE(one|batch); see README.md
NAME=$1; MODE=$2; BIN=${BIN:-target/release}
PGB=/usr/lib/postgresql/15/bin
ADM=bench-Adm1n-7Kq9xZ2pLw4Rv8Nc
rm -rf /tmp/perf/${NAME}a /tmp/perf/${NAME}b; mkdir -p /tmp/perf/${NAME}a/data /tmp/perf/${NAME}b/data
$PGB/psql -h 127.0.0.1 -p 55500 -U postgres -qc "DROP DATABASE IF EXISTS $NAME" >/dev/null 2>&1
$PGB/createdb -h 127.0.0.1 -p 55500 -U postgres $NAME
DB=postgres://postgres@127.0.0.1:55500/$NAME
$BIN/recoup-server --data-dir /tmp/perf/${NAME}a/data --listen 127.0.0.1:18793 --sandbox --admin-token $ADM --rate-per-sec 100000 --database $DB > /tmp/perf/${NAME}a/server.log 2>&1 &
A=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:18793/health >/dev/null 2>&1 && break; sleep 0.2; done
cp /tmp/perf/${NAME}a/data/policy-signing.key /tmp/perf/${NAME}b/data/
$BIN/recoup-server --data-dir /tmp/perf/${NAME}b/data --listen 127.0.0.1:18794 --sandbox --admin-token $ADM --rate-per-sec 100000 --database $DB > /tmp/perf/${NAME}b/server.log 2>&1 &
B=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:18794/health >/dev/null 2>&1 && break; sleep 0.2; done
case $MODE in
  one) ARGS=(--claims 2500 --accounts 8 --concurrency 16);;
  batch) ARGS=(--claims 5000 --accounts 8 --concurrency 8 --batch 100);;
esac
$BIN/recoup-load --endpoint http://127.0.0.1:18793 --admin-token $ADM "${ARGS[@]}" 2>&1 | grep "claims:" | sed 's/^/A /' &
L1=$!
$BIN/recoup-load --endpoint http://127.0.0.1:18794 --admin-token $ADM "${ARGS[@]}" 2>&1 | grep "claims:" | sed 's/^/B /' &
L2=$!
wait $L1 $L2
kill $A $B; wait $A $B 2>/dev/null
