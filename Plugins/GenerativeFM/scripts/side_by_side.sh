#!/bin/bash
# GenerativeFM next to torchcfm on the built-in 2-D sets (README.md, "Side by side with torchcfm").
# Per set, alternately on the same machine: an NCL run that also exports its train/test points,
# then torchcfm's conditional (cfm) and minibatch-OT (ot) flow matching on those very points.
# Writes OUT/SET/ (the NCL run, data/, ncl.json, cfm.json, ot.json) and prints one line per result.
#
# Usage: Plugins/GenerativeFM/scripts/side_by_side.sh OUT NCL_STEPS TORCH_STEPS [SET ...]
# NCL's model is MODEL_SIZE (default medium: 8048 parameters, about torchcfm's tutorial MLP's).
# Needs: a release build (swift build -c release --product nclhost; --product GenerativeFM) and a
# Python with torch, torchcfm, torchdiffeq, POT (PYTHON, default /work/venv-ref/bin/python).
set -euo pipefail
out=$1 ncl_steps=$2 torch_steps=$3
shift 3
sets=${*:-8gaussians moons pinwheel checkerboard circles swissroll 2spirals}
python=${PYTHON:-/work/venv-ref/bin/python}
threads=${THREADS:-1}
# Both programs on one core (taskset; CPU=N picks it), each with THREADS threads (default 1): NCL's
# threads follow the affinity mask, torch gets --threads. On the shared 2-core machine two torch
# threads ran 10x slower than one.
pin="taskset -c ${CPU:-0}"
score_count=${SCORE_COUNT:-100000}
root=$(cd "$(dirname "$0")/../../.." && pwd)
nclhost="$root/.build/release/nclhost"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX} OPENBLAS_NUM_THREADS=$threads
for set in $sets; do
  dir="$out/$set"
  mkdir -p "$dir"
  $pin "$nclhost" run GenerativeFM --plugin-path "$root/.build/release" --set data=$set --set model_size=${MODEL_SIZE:-medium} --set export_data="$dir/data" \
    --steps "$ncl_steps" --learning-rate 3e-3 --schedule cosine --log-every 1000 --out "$dir/ncl" --overwrite > "$dir/ncl.log" 2>&1
  # Training seconds: the last training step's elapsed time (the evaluation after it not counted).
  train=$(grep '"kind":"train"' "$dir/ncl/metrics.jsonl" | tail -1 | sed 's/.*"elapsedSeconds":\([0-9.e+-]*\).*/\1/')
  metrics=$(grep '"kind":"eval"' "$dir/ncl/metrics.jsonl" | tail -1)
  # Scoring: 100 000 test points (repeated) at t = 1 through `nclhost fields --only log_density`, wall time.
  "$python" - "$dir/data/test.csv" "$dir/score.csv" <<'PY'
import sys
rows = open(sys.argv[1]).read().split("\n")[1:]
rows = [r for r in rows if r]
with open(sys.argv[2], "w") as f:
    f.write("t,x1,x2\n")
    for i in range(100_000):
        f.write("1," + rows[i % len(rows)] + "\n")
PY
  start=$(date +%s.%N)
  $pin "$nclhost" fields --checkpoint "$dir/ncl/checkpoint.ncl" --input "$dir/score.csv" --only log_density --output "$dir/scored.csv"
  score=$(printf "%.3f" "$(echo "$(date +%s.%N) - $start" | bc)")  # bc writes .5 for 0.5, which JSON refuses
  echo "{\"method\": \"ncl\", \"steps\": $ncl_steps, \"train_seconds\": $train, \"score_seconds_100k\": $score, \"eval\": $metrics}" > "$dir/ncl.json"
  echo "$set ncl $(cat "$dir/ncl.json")"
  for method in cfm ot; do
    $pin "$python" "$root/bench/reference/torchcfm_2d.py" "$dir/data" --method $method --steps "$torch_steps" --threads "$threads" \
      --score-count "$score_count" > "$dir/$method.json"
    echo "$set $method $(cat "$dir/$method.json")"
  done
done
