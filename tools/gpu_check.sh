#!/usr/bin/env bash
# GPU checks of ciae in one command, for a bare H100/H200 machine (Python 3.12 with torch, torchvision, numpy, scipy,
# matplotlib, tqdm, pillow; panopticapi-lite and pycocotools as wheels in .whl/, see the device notes in CONTRIBUTING.md):
#   0. the fused Triton kernels of the CIAE loss against the PyTorch versions on the GPU (tools/kernel_check.py);
#   1. python -m ciae.bench --train: one training step of ciae vs torchvision FCOS, synth and R50-FPN at 800 (batch 8),
#      bf16, with host syncs per step, the CIAE-loss share on a COCO-like batch and a profile of the R50 step;
#   2. the synth preset (python -m ciae.train) trained to the end in bf16, with its PQ;
#   3. 200 iterations in fp16 (GradScaler), with its PQ;
#   4. the inference bench at shorter side 800: per-stage table, syncs per image, and compiled copies of ciae and FCOS
#      (--compile reduce-overhead: torch.compile with CUDA graphs), issue 17's table;
#   5. the R50 training step again without the kernels (--loss-backend fast), on the same machine;
#   6. the per-pixel top-K of the CIAE loss: torch.topk against K passes of max, at the R50 size.
# Each step has its own time limit; everything goes to $OUT (default gpu_out/): gpu_check.log and the JSON results.
# The whole script stays under 8 minutes on an H100; ONLY="env bench_infer" runs only the named steps (issue 17's
# inference table alone takes about 3 minutes, most of it compiling). `DEVICE=cpu SMOKE=1 bash tools/gpu_check.sh` runs every step tiny
# on a CPU, to check the script itself before spending GPU time.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_out}; DEV=${DEVICE:-cuda}; SMOKE=${SMOKE:-0}; RUNS=${RUNS_DIR:-/tmp/ciae_runs}
rm -rf "$RUNS"; mkdir -p "$OUT" "$RUNS"; LOG=$OUT/gpu_check.log; : > "$LOG"   # fresh runs: train refuses a used --output
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
PY=${PYTHON:-python3}
if ls .whl/*.whl >/dev/null 2>&1 && ! $PY -c "import panopticapi" 2>/dev/null; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
step() {  # step NAME LIMIT_S COMMAND...: run with a time limit, output appended to the log, a summary line printed
  local name=$1 limit=$2; shift 2
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then echo "=== $name: skipped (ONLY=$ONLY)" >> "$LOG"; return; fi
  echo "=== $name (limit ${limit} s): $*" >> "$LOG"
  local s=$(date +%s); timeout -k 10 "$limit" "$@" >> "$LOG" 2>&1; local rc=$?
  echo "=== $name: exit $rc after $(( $(date +%s) - s )) s" | tee -a "$LOG"
}
if [ "$SMOKE" = 1 ]; then
  TRAIN_CFGS="synth"; BENCH_RUNS="--runs 1 --warmup 1"; SYNTH_ITERS="--max-iter 4"; F16_ITERS="--max-iter 4"; F16=bf16
  INFER="--sizes 256 --runs 1 --detections 10"; TOPK_N=20000; COMPILE=""; INFER_LIMIT=50
else
  TRAIN_CFGS="synth r50"; BENCH_RUNS="--runs 5 --warmup 3"; SYNTH_ITERS=""; F16_ITERS="--max-iter 200"; F16=fp16
  INFER="--sizes 800 --runs 20"; TOPK_N=6963200; COMPILE="--compile reduce-overhead"; INFER_LIMIT=170
fi

step env 60 $PY -c "import torch, torchvision, panopticapi, ciae; print('torch', torch.__version__, 'torchvision', torchvision.__version__, torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU')"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.max.sm,temperature.gpu --format=csv >> "$LOG" 2>&1

if [ "$DEV" = cuda ]; then
  step kernels 90 $PY tools/kernel_check.py cuda --large
fi

step bench_train 150 $PY -m ciae.bench --train --device "$DEV" --amp bf16 --train-configs $TRAIN_CFGS $BENCH_RUNS --profile \
  --output "$OUT/bench_train.json"

step synth_bf16 120 $PY -m ciae.train --device "$DEV" --amp bf16 --output "$RUNS/synth_bf16" --quiet $SYNTH_ITERS vis_images=1
cp "$RUNS/synth_bf16/pq_val.json" "$OUT/synth_bf16_pq.json" 2>/dev/null
cp "$RUNS/synth_bf16/metrics.jsonl" "$OUT/synth_bf16_metrics.jsonl" 2>/dev/null

step "synth_$F16" 70 $PY -m ciae.train --device "$DEV" --amp "$F16" --output "$RUNS/synth_$F16" --quiet $F16_ITERS vis_images=0
cp "$RUNS/synth_$F16/pq_val.json" "$OUT/synth_${F16}_pq.json" 2>/dev/null
cp "$RUNS/synth_$F16/metrics.jsonl" "$OUT/synth_${F16}_metrics.jsonl" 2>/dev/null

step bench_infer "$INFER_LIMIT" $PY -m ciae.bench --device "$DEV" $INFER --no-literal --no-steps $COMPILE --output "$OUT/bench_infer.json"

[ "$SMOKE" = 1 ] || step bench_train_unfused 90 $PY -m ciae.bench --train --loss-backend fast --device "$DEV" --amp bf16 \
  --train-configs r50 $BENCH_RUNS --output "$OUT/bench_train_unfused.json"

step topk 30 $PY - "$DEV" "$TOPK_N" <<'EOF'
import sys, time, torch
from ciae.loss.ciae_loss import top_k
dev, n = torch.device(sys.argv[1]), int(sys.argv[2])
y = torch.randn(n, 100, device=dev)                     # R50 at 800 × 1088, batch 8: 6.96 M pixels × ~100 queries
def t(fn, reps=5):
    fn(); torch.cuda.synchronize() if dev.type == 'cuda' else None
    s = time.perf_counter()
    for _ in range(reps): fn()
    torch.cuda.synchronize() if dev.type == 'cuda' else None
    return 1000 * (time.perf_counter() - s) / reps
a, b = y.topk(5, -1), top_k(y.clone(), 5)
print('same values:', torch.equal(a.values, b[0]), '| topk ms', round(t(lambda: y.topk(5, -1)), 2),
      '| top_k (K passes of max, with the clone) ms', round(t(lambda: top_k(y.clone(), 5)), 2), '| clone alone ms', round(t(lambda: y.clone()), 2))
EOF
echo "--- summary ---" | tee -a "$LOG"
grep -E "^(=== |kernels vs|config|synth |r50 |All |Things |Stuff |[0-9]+ images; per image|same values|short|  *[0-9]+ +[0-9]+\.[0-9])" "$LOG" | grep -v "limit" | head -60
