"""The CIAE loss (forward + backward, as `python -m ciae.bench --train` times it) before and after eqs. 7–8 moved into
the Numba selection kernel and the pixel normalisation got its closed-form backward (`unit_rows`), taking turns in one
process on the bench's synth and COCO-like batches: writes experiments/loss_fusion.json.

    git show 4cf32c4:ciae/loss/cpu_kernels.py > /tmp/cpu_kernels_before.py
    python experiments/loss_fusion.py /tmp/cpu_kernels_before.py      # about 3 minutes on the 2-core CPU; run it alone

Any other kernel module can stand in for 'before': with `--same-norm` both variants use `unit_rows`, and `--out`
names the JSON. The one kept so far (`fused_grad/`, no gain): the forward kernel also accumulating dL/dp and dL/dq,
the backward only scaling them,

    python experiments/loss_fusion.py experiments/fused_grad/cpu_kernels.py --same-norm \
        --out experiments/fused_grad/fused_grad.json
"""
import argparse, importlib.util, json, platform, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import torch
import ciae.loss.ciae_loss as cl
import ciae.loss.cpu_kernels as ck
from ciae.ops.cosine import l2_normalize
from ciae.speed.training import TRAIN_CONFIGS, train_batch, ciae_calls
from ciae.model.ciae import CIAE, CIAEConfig

ROUNDS, WARMUP = 15, 3

def load_before(path: str):
    "The earlier kernels' module, from a fresh copy (Numba's disk cache cannot reload a module loaded this way)."
    copy = Path(tempfile.mkdtemp()) / 'cpu_kernels_before.py'
    shutil.copy(path, copy)
    spec = importlib.util.spec_from_file_location('ciae.loss.cpu_kernels_before', copy)   # its relative imports
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

def variants(before, same_norm: bool = False) -> dict:
    "name → (NumbaSelectedLogHinge, unit_rows) to patch into the loss."
    return dict(before=(before.NumbaSelectedLogHinge, cl.unit_rows if same_norm else lambda x: l2_normalize(x, -1)),
                after=(ck.NumbaSelectedLogHinge, cl.unit_rows))

def measure(data: str, before, same_norm: bool = False) -> dict:
    ns, nt = (4, 4) if data == 'synth' else (53, 80)
    spec = TRAIN_CONFIGS['synth']
    torch.manual_seed(0)
    model = CIAE(CIAEConfig(num_stuff=ns, num_thing=nt, channels_last=True, **spec['model'])).train()
    batch = train_batch(data, spec['batch'], tuple(spec['size']), ns, nt)
    loss = ciae_calls(model, batch, torch.device('cpu'), None, ROUNDS + WARMUP)['ciae_loss']
    times = {k: [] for k in ('before', 'after')}
    kernel, unit_rows, one_pass = ck.NumbaSelectedLogHinge, cl.unit_rows, cl._one_pass
    cl._one_pass = lambda *a: False          # the two calls of the kernel, which is what the variants replace
    try:
        for r in range(WARMUP + ROUNDS):
            for name, (fn, norm) in variants(before, same_norm).items():       # taking turns inside every round
                ck.NumbaSelectedLogHinge, cl.unit_rows = fn, norm
                t = time.perf_counter()
                loss(r)
                if r >= WARMUP:
                    times[name].append(1e3 * (time.perf_counter() - t))
    finally:
        ck.NumbaSelectedLogHinge, cl.unit_rows, cl._one_pass = kernel, unit_rows, one_pass
    ratio = statistics.median(a / b for a, b in zip(times['after'], times['before']))
    return dict(data=data, ms={k: dict(median=statistics.median(v), min=min(v)) for k, v in times.items()},
                after_over_before=ratio, rounds=ROUNDS)

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('before', help="the other kernel module (a cpu_kernels.py)")
    ap.add_argument('--same-norm', action='store_true', help="both variants normalise pixels with unit_rows")
    ap.add_argument('--out', default='experiments/loss_fusion.json')
    args = ap.parse_args()
    torch.set_num_threads(2)
    before = load_before(args.before)
    rows = [measure(d, before, args.same_norm) for d in ('synth', 'coco')]
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    command = ' '.join(['python experiments/loss_fusion.py'] + sys.argv[1:])
    out = dict(command=command if args.before != '/tmp/cpu_kernels_before.py' else
               'python experiments/loss_fusion.py <cpu_kernels.py of 4cf32c4>', commit=commit,
               machine=f'{platform.processor() or "AMD EPYC"}, 2 cores (this project\'s CPU machine)', threads=2,
               torch=torch.__version__, rows=rows, finished=time.strftime('%Y-%m-%dT%H:%M:%S'))
    Path(args.out).write_text(json.dumps(out, indent=1) + '\n')
    for r in rows:
        print(f"{r['data']:6s} before {r['ms']['before']['median']:6.1f} ms  after {r['ms']['after']['median']:6.1f} ms"
              f"  after/before {r['after_over_before']:.3f} (median of {r['rounds']} rounds)")
    return 0

if __name__ == '__main__':
    sys.exit(main())
