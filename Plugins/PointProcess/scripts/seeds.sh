#!/usr/bin/env bash
# Trains PointProcess once per seed and prints each evaluation metric's mean and standard
# deviation over the seeds (sample standard deviation, n - 1).
#
#   Plugins/PointProcess/scripts/seeds.sh DATASET STEPS OUT [SEEDS...] [-- EXTRA NCLHOST OPTIONS]
#   eg: Plugins/PointProcess/scripts/seeds.sh pinwheel 20000 /tmp/pp-pin 0 1 2
#
# Uses `nclhost` from $NCLHOST, else .build/release/nclhost of this checkout (build it first with
# `swift build -c release`). Each run goes to OUT/seed-S; its metrics are the `evaluation:` lines
# that `nclhost run` prints at the end, kept in OUT/seed-S.log; the density picture goes to
# OUT/seed-S/plots/density.png.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,10p' "$0"
  exit 2
fi
dataset=$1 steps=$2 out=$3
shift 3
seeds=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do seeds+=("$1"); shift; done
[ $# -gt 0 ] && shift  # the "--"
extra=("$@")
[ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)

root=$(cd "$(dirname "$0")/../../.." && pwd)
nclhost=${NCLHOST:-$root/.build/release/nclhost}
[ -x "$nclhost" ] || { echo "no nclhost at $nclhost: run \`swift build -c release\` first or set NCLHOST" >&2; exit 1; }

mkdir -p "$out"
for seed in "${seeds[@]}"; do
  echo "== seed $seed: $nclhost run PointProcess --set dataset=$dataset --steps $steps --seed $seed ${extra[*]:-}" >&2
  "$nclhost" run PointProcess --set "dataset=$dataset" --steps "$steps" --seed "$seed" \
    --set "plot_dir=$out/seed-$seed/plots" --out "$out/seed-$seed" "${extra[@]}" 2>&1 | tee "$out/seed-$seed.log" | grep -E "^(done|eval step)" >&2
done

# "  name = value" lines after "evaluation:" in every log -> mean and std per name.
for seed in "${seeds[@]}"; do
  awk '/^evaluation:/ { on = 1; next } on && /^  [a-z_0-9]+ = / { print $1, $3 } /^done:/ { on = 0 }' "$out/seed-$seed.log"
done | awk -v n="${#seeds[@]}" '
  { value[$1, count[$1]++] = $2; sum[$1] += $2 }
  END {
    printf "%-28s %14s %14s  (over %d seeds)\n", "metric", "mean", "std", n
    for (k in sum) {
      m = sum[k] / count[k]
      ss = 0
      for (i = 0; i < count[k]; i++) ss += (value[k, i] - m) ^ 2
      sd = count[k] > 1 ? sqrt(ss / (count[k] - 1)) : 0
      printf "%-28s %14.6g %14.6g\n", k, m, sd
    }
  }' | { read -r header; echo "$header"; sort; } | tee "$out/summary.txt"
