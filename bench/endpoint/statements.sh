#!/bin/bash
# usage: statements.sh NAME MODE CLAIMS  -> statements per claim in the claim phase (pg_stat_statements, track=all)
NAME=$1; MODE=$2; N=$3; BIN=${BIN:-target/release}
PGB=/usr/lib/postgresql/15/bin; ADM=bench-Adm1n-7Kq9xZ2pLw4Rv8Nc
PSQL="$PGB/psql -h 127.0.0.1 -p 55500 -U postgres -d $NAME -qAt"
rm -rf /tmp/perf/$NAME; mkdir -p /tmp/perf/$NAME/data
$PGB/psql -h 127.0.0.1 -p 55500 -U postgres -qc "DROP DATABASE IF EXISTS $NAME" >/dev/null 2>&1
$PGB/createdb -h 127.0.0.1 -p 55500 -U postgres $NAME
$PSQL -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
$BIN/recoup-server --data-dir /tmp/perf/$NAME/data --listen 127.0.0.1:18795 --sandbox --admin-token $ADM --rate-per-sec 100000 --database postgres://postgres@127.0.0.1:55500/$NAME > /tmp/perf/$NAME/server.log 2>&1 &
SP=$!
for i in $(seq 1 100); do curl -sf http://127.0.0.1:18795/health >/dev/null 2>&1 && break; sleep 0.2; done
case $MODE in
  one) ARGS=(--claims $N --accounts 8 --concurrency 16);;
  batch) ARGS=(--claims $N --accounts 8 --concurrency 8 --batch 100);;
esac
$BIN/recoup-load --endpoint http://127.0.0.1:18795 --admin-token $ADM "${ARGS[@]}" > /tmp/perf/$NAME/load.log 2>&1 &
LP=$!
for i in $(seq 1 6000); do grep -q claiming /tmp/perf/$NAME/load.log && break; kill -0 $LP 2>/dev/null || break; sleep 0.05; done
$PSQL -c "SELECT pg_stat_statements_reset()" >/dev/null
wait $LP
cat /tmp/perf/$NAME/load.log | grep claims:
$PSQL -c "SELECT calls, round(total_exec_time::numeric,1) ms, toplevel, regexp_replace(left(query, 90), '\s+', ' ', 'g') FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$NAME') ORDER BY calls DESC LIMIT 40"
$PSQL -c "SELECT toplevel, sum(calls), round(sum(total_exec_time)::numeric,1) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$NAME') GROUP BY toplevel"
kill $SP; wait $SP 2>/dev/null
