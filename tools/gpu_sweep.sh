#!/usr/bin/env bash
# The ablation sweep on a lent GPU, in one command (a bare H100/H200 machine: Python 3.12 with torch, torchvision,
# numba, tqdm; panopticapi-lite, pycocotools and platformdirs as wheels in .whl/, see CONTRIBUTING.md):
#   1. the synthetic dataset is generated (in the background, while step 2 runs);
#   2. python -m ciae.bench --train at R50-800 (COCO-like batch), bf16: ciae/FCOS and the CIAE-loss share (BENCH=0:
#      skipped); the data generation runs on the CPU meanwhile, the GPU has nothing else to do;
#   3. the sweep (python -m ciae.ablate, JOBS runs at a time sharing the GPU, one process and one thread each, float32
#      as on a CPU) into $TABLE_DIR (experiments/), resuming what its table files hold, for about SWEEP_S seconds;
#   4. beside it, the default configuration's seeds 0-4 trained again on the GPU (device_check.json), to compare with
#      the same runs made on a CPU before mixing the two machines' runs in one table.
# Everything goes to $OUT (default gpu_out/): gpu_sweep.log, bench_train_r50.json, device_check.json and sweep.tgz (the
# table files and each run's record, metrics and log). Runs still going when the time is up are lost; every finished
# one is in the table files. `DEVICE=cpu SMOKE=1 bash tools/gpu_sweep.sh` checks the script on a CPU in a few minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_out}; DEV=${DEVICE:-cuda}; SMOKE=${SMOKE:-0}; JOBS=${JOBS:-13}; SWEEP_S=${SWEEP_S:-360}
TABLE_DIR=${TABLE_DIR:-experiments}; TABLES=${TABLES:-V VII VI III I II VIII IV}; BENCH=${BENCH:-1}
RUNS=/tmp/ciae_sweep_runs; DEVRUNS=/tmp/ciae_device_check
mkdir -p "$OUT"; LOG=$OUT/gpu_sweep.log; : > "$LOG"
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
PY=${PYTHON:-python3}
if ls .whl/*.whl >/dev/null 2>&1 && ! $PY -c "import panopticapi" 2>/dev/null; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
DATA=data/synth; SCHED=""   # the package's schedule (SCHEDULE in nbs/50_ablate.ipynb)
[ "$SMOKE" = 1 ] && { DATA=/tmp/ciae_smoke_data; SCHED="--iters 4 --val-images 4 --evals 1"; TABLES=V
                      TABLE_DIR=/tmp/ciae_smoke_tables; rm -rf "$TABLE_DIR" "$RUNS" "$DEVRUNS"; }
echo "=== start $(date -u +%FT%TZ), jobs $JOBS, sweep ${SWEEP_S} s, code $(git rev-parse --short HEAD 2>/dev/null)$(
  git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo +)" | tee -a "$LOG"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >> "$LOG" 2>&1
$PY -c "import torch, torchvision, panopticapi, ciae; print('torch', torch.__version__, torchvision.__version__)" \
  >> "$LOG" 2>&1

( if [ "$SMOKE" = 1 ]; then GEN="--train 8 --val 4"; else GEN=""; fi
  [ -f "$DATA/synth.json" ] || $PY -m ciae.data synth --output "$DATA" $GEN > "$OUT/datagen.log" 2>&1 ) &
GEN_PID=$!

if [ "$BENCH" = 1 ]; then
  B="--train-configs r50 --runs 5 --warmup 3"
  [ "$SMOKE" = 1 ] && B="--train-configs synth --runs 1 --warmup 1"
  s=$SECONDS; timeout -k 10 "${BENCH_S:-120}" $PY -m ciae.bench --train --device "$DEV" --amp bf16 $B \
    --output "$OUT/bench_train_r50.json" >> "$LOG" 2>&1
  echo "=== bench_train: exit $? after $(( SECONDS - s )) s" | tee -a "$LOG"
fi
wait $GEN_PID; echo "=== data: exit $? at ${SECONDS} s" | tee -a "$LOG"
# the dataset is generated from a fixed seed: its hashes, to compare with the one the CPU runs used
(cd "$DATA" && sha256sum synth.json annotations/*.json | sed 's/^/data hash /') >> "$LOG" 2>&1

# 4. the device check: the default configuration's seeds, trained as the sweep trains them (same command, same names)
# (its own process group, so that it can be stopped with the runs it started and nothing else)
setsid $PY - "$DATA" "$DEV" "$DEVRUNS" "$OUT/device_check.json" "$SMOKE" >> "$LOG" 2>&1 <<'EOF' &
import json, sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from ciae.ablation.plan import plan, Schedule, SCHEDULE
from ciae.ablation.runs import Context, execute
from ciae.ablation.plan import val_subset
data, dev, runs, out, smoke = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5]
sched = Schedule(iters=4, val_images=4, evals=1) if smoke == '1' else SCHEDULE
split = val_subset(data, 'val', sched.val_images, create=True)
seeds = [0, 1] if smoke == '1' else [0, 1, 2, 3, 4]
_, jobs = plan(['V'], [0], seeds, sched, data)
todo = [j for j in jobs.values() if not j.diff and not j.oracle]
ctx = Context(data, split, sched, runs, dev, 0, 1)
with ThreadPoolExecutor(len(todo)) as ex:
    for f in as_completed([ex.submit(execute, j, ctx) for j in todo]):          # each one written as it finishes
        rec = f.result()
        print('device check', rec['run'], rec['status'], rec.get('PQ'), rec.get('PQ_th'), rec.get('PQ_st'),
              rec['wall_s'])
        done = json.loads(Path(out).read_text()) if Path(out).is_file() else []
        Path(out).write_text(json.dumps(done + [rec], indent=1))
EOF
DEV_PID=$!

s=$SECONDS; before=$(ls "$RUNS"/*/ablate_result.json 2>/dev/null | wc -l)
timeout -k 15 "$SWEEP_S" $PY -m ciae.ablate $TABLES $SCHED --default-seeds 0 1 2 3 4 --data "$DATA" \
  --output "$TABLE_DIR" --runs-dir "$RUNS" --device "$DEV" --jobs "$JOBS" --quiet >> "$LOG" 2>&1
echo "=== sweep: exit $? after $(( SECONDS - s )) s" | tee -a "$LOG"
kill -- -$DEV_PID 2>/dev/null; wait $DEV_PID 2>/dev/null   # timeout already stopped the sweep's process group
files=$(for d in "$RUNS" "$DEVRUNS"; do [ -d "$d" ] && find "$d" \( -name 'ablate_*.json' -o -name 'metrics.jsonl' \
  -o -name 'ablate_*.log' -o -name 'pq_*.json' \) | sed 's|^/||'; done)
tar czf "$OUT/sweep.tgz" "$TABLE_DIR"/table_*.json -C / $files 2>>"$LOG"
after=$(ls "$RUNS"/*/ablate_result.json 2>/dev/null | wc -l)
echo "=== done at ${SECONDS} s; sweep runs finished in this call: $(( after - before ))" | tee -a "$LOG"
grep -E "^(=== |device check|memory|margin|default|[a-z_]+=)" "$LOG" | tail -40
