"""`python -m ciae.bench --train --runs 5 --threads 2` several times in a row at the current code, on an idle machine,
to show how far one measurement of ciae/FCOS and of the COCO-like loss share moves; the fields of each run's
--output JSON (train[0] and its coco_like) go into experiments/bench_train.json under `KEY`, which
nbs/40b_bench_train.ipynb reads.

    python experiments/bench_train_repeats.py KEY [--repeats 5] [--note TEXT]    # about 40 s per repeat
"""
import argparse, json, subprocess, sys, tempfile, time
from pathlib import Path

OUT = Path('experiments/bench_train.json')

def fields(t: dict) -> dict:
    "What a repeat keeps of one bench row (the keys the earlier repeats have)."
    c = t['coco_like']
    return {'ciae_ms': round(t['ciae']['median_ms'], 1), 'fcos_ms': round(t['fcos']['median_ms'], 1),
            'ciae/fcos': round(t['ciae/fcos'], 3), 'synth_loss_ms': round(t['ciae_loss']['median_ms'], 1),
            'coco_like_ciae_ms': round(c['ciae']['median_ms'], 1),
            'coco_like_loss_ms': round(c['ciae_loss']['median_ms'], 1),
            'coco_like_loss_share': round(c['loss_share'], 3)}

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('key')
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--note', default='')
    a = ap.parse_args()
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no', '--', 'ciae'],
                           capture_output=True, text=True).stdout.strip()
    runs = []
    for i in range(a.repeats):
        out = Path(tempfile.mkdtemp()) / 'bench.json'
        subprocess.run([sys.executable, '-m', 'ciae.bench', '--train', '--runs', '5', '--threads', '2', '--output',
                        str(out)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t = json.loads(out.read_text())['train'][0]
        runs.append(fields(t))
        print(f"repeat {i + 1}: {runs[-1]}", flush=True)
    bt = json.loads(OUT.read_text())
    bt[a.key] = dict(command=f'python -m ciae.bench --train --runs 5 --threads 2 ({a.repeats} times, one after the '
                             f'other; experiments/bench_train_repeats.py)', commit=commit + ('+' if dirty else ''),
                     machine='AMD EPYC, 2 cores, otherwise idle', loss_backend=t['loss_backend'], note=a.note,
                     runs=runs, finished=time.strftime('%Y-%m-%dT%H:%M:%S'))
    OUT.write_text(json.dumps(bt, indent=1) + '\n')
    return 0

if __name__ == '__main__':
    sys.exit(main())
