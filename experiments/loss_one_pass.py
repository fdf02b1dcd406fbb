"""The CIAE loss (forward + backward, as `python -m ciae.bench --train` times it) and the whole training step with the
CPU kernels selecting L_CAE and L_IAE in one pass (`NumbaCIAEPair`) and in two calls (`NumbaSelectedLogHinge` twice,
the path before it), taking turns in one process on the bench's synth and COCO-like batches. Writes
experiments/loss_one_pass.json.

    python experiments/loss_one_pass.py            # about 2 minutes on the 2-core CPU; run it alone
"""
import json, platform, statistics, subprocess, sys, time
from pathlib import Path
import torch
import ciae.loss.ciae_loss as cl
from ciae.speed.training import TRAIN_CONFIGS, train_batch, ciae_calls
from ciae.model.ciae import CIAE, CIAEConfig

ROUNDS, WARMUP = 10, 3
OUT = Path('experiments/loss_one_pass.json')

def measure(data: str) -> dict:
    "Loss alone and full step of both paths, taking turns inside every round; medians and per-round ratios."
    ns, nt = (4, 4) if data == 'synth' else (53, 80)
    spec = TRAIN_CONFIGS['synth']
    torch.manual_seed(0)
    model = CIAE(CIAEConfig(num_stuff=ns, num_thing=nt, channels_last=True, **spec['model'])).train()
    batch = train_batch(data, spec['batch'], tuple(spec['size']), ns, nt)
    calls = ciae_calls(model, batch, torch.device('cpu'), None, ROUNDS + WARMUP)
    one_pass = cl._one_pass
    paths = {'two_calls': lambda *a: False, 'one_pass': one_pass}
    t = {f'{k}_{n}': [] for k in ('loss', 'step') for n in paths}
    try:
        for r in range(WARMUP + ROUNDS):
            for name, fn in paths.items():
                cl._one_pass = fn
                t0 = time.perf_counter()
                calls['ciae_loss'](r)
                t1 = time.perf_counter()
                calls['ciae'](r)
                t2 = time.perf_counter()
                if r >= WARMUP:
                    t[f'loss_{name}'].append(1e3 * (t1 - t0))
                    t[f'step_{name}'].append(1e3 * (t2 - t1))
    finally:
        cl._one_pass = one_pass
    per_round = lambda a, b: statistics.median(x / y for x, y in zip(t[a], t[b]))
    return dict(data=data, segments_per_image=[int((s.unique() >= 0).sum()) for s in batch['segment']],
                ms={k: statistics.median(v) for k, v in t.items()},
                loss_share={n: per_round(f'loss_{n}', f'step_{n}') for n in paths},
                loss_one_over_two=per_round('loss_one_pass', 'loss_two_calls'),
                step_one_over_two=per_round('step_one_pass', 'step_two_calls'), rounds=ROUNDS)

def main() -> int:
    torch.set_num_threads(2)
    rows = [measure(d) for d in ('synth', 'coco')]
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no', '--', 'ciae'],
                           capture_output=True, text=True).stdout.strip()
    out = dict(command='python experiments/loss_one_pass.py', commit=commit + ('+' if dirty else ''),
               machine=f'{platform.processor() or "AMD EPYC"}, 2 cores (this project\'s CPU machine)', threads=2,
               torch=torch.__version__, rows=rows, finished=time.strftime('%Y-%m-%dT%H:%M:%S'))
    OUT.write_text(json.dumps(out, indent=1) + '\n')
    for r in rows:
        ms = r['ms']
        print(f"{r['data']:6s} loss: two calls {ms['loss_two_calls']:6.1f} ms, one pass {ms['loss_one_pass']:6.1f} ms"
              f" ({r['loss_one_over_two']:.3f}); share of the step {r['loss_share']['two_calls']:.1%} → "
              f"{r['loss_share']['one_pass']:.1%}")
    return 0

if __name__ == '__main__':
    sys.exit(main())
