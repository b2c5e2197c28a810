#!/usr/bin/env bash
# Records/s of `agront embed --cluster` with 1, 2 and 3 silo processes on this machine (Redis on 127.0.0.1), and the
# coordination cost per shard each worker reports. Usage: benchmarks/cluster-bench.sh INPUT.fa MODEL_DIR [SHARDS] [THREADS_PER_SILO]
set -euo pipefail
cd "$(dirname "$0")/.."
input=$1 model=$2 shards=${3:-16} threads=${4:-1}
agront=src/AgroNT.Cli/bin/Release/net10.0/agront.dll
[ -f "$agront" ] || { echo "build first: dotnet build AgroNT.MLNet.sln -c Release" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install -y redis-server" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 & pids+=($!)
sleep 1
for silos in 1 2 3; do
  n=$((silos - 1))
  dotnet "$agront" cluster silo --redis "127.0.0.1:$port" --threads "$threads" >"$work/silo$n.log" 2>&1 & pids+=($!)
  until grep -q 'joined cluster' "$work/silo$n.log"; do sleep 1; done
  echo "== $silos silo(s), $threads thread(s) each"
  dotnet "$agront" embed --model "$model" -i "$input" -o "$work/job$silos" --cluster "127.0.0.1:$port" --shards "$shards" 2>/dev/null
done
