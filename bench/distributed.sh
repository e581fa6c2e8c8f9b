#!/usr/bin/env bash
# Data-parallel training speed: steps and samples per second of `nclhost run` on 1 and 2 ranks of
# mpirun on this machine (docs/distributed.md). Usage: bench/distributed.sh [PLUGIN [STEPS [RANKS...]]]
# Needs a release build (swift build -c release) and Open MPI (scripts/setup installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${1:-DynamicalOT}
steps=${2:-200}
shift $(( $# > 2 ? 2 : $# )) || true
ranks=("$@")
[ ${#ranks[@]} -gt 0 ] || ranks=(1 2)
nclhost=.build/release/nclhost
[ -x "$nclhost" ] || { echo "build first: swift build -c release" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpirun not found: run scripts/setup (installs openmpi-bin)" >&2; exit 1; }
[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); $plugin, $steps steps per run, timed from step 10 (after warm-up) to the last"
printf '%6s  %12s  %14s  %s\n' ranks "steps/s" "samples/s" "banner"
for n in "${ranks[@]}"; do
  out="$scratch/ranks-$n"
  log=$(mpirun -np "$n" --oversubscribe --bind-to none "$nclhost" run "$plugin" --steps "$steps" --log-every "$steps" \
        --checkpoint-every "$steps" --out "$out" 2>&1) || { echo "$log" >&2; exit 1; }
  banner=$(echo "$log" | grep -m1 '^nclhost ' || true)
  batch=$(echo "$banner" | sed -n 's/.*batch \([0-9]*\),.*/\1/p')
  python3 - "$out/metrics.jsonl" "$n" "$batch" "$banner" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"train"' in l]
ranks, batch, banner = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
first = next(r for r in rows if r["step"] == 10)
last = rows[-1]
rate = (last["step"] - first["step"]) / (last["elapsedSeconds"] - first["elapsedSeconds"])
core = banner[banner.find("(BLAS core"):] if "(BLAS core" in banner else ""
print(f"{ranks:6d}  {rate:12.2f}  {rate * batch * ranks:14.0f}  {core}")
PY
done
echo "samples/s = steps/s x batch per rank x ranks; the all-reduce carries one vector of the model's parameters per step"
