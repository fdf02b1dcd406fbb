"""The training bench with the CIAE loss's PyTorch version ('fast') and its Numba CPU kernels ('numba'), one run after
the other on the same machine, twice each: adds key `cpu_kernels` to experiments/bench_train.json.

    python experiments/bench_train_cpu_kernels.py      # about 5 minutes on the 2-core CPU; run it alone
"""
import json, subprocess, sys, tempfile, time
from pathlib import Path

OUT = Path('experiments/bench_train.json')
CMD = [sys.executable, '-m', 'ciae.bench', '--train', '--runs', '5', '--threads', '2']

def main() -> int:
    runs = {'fast': [], 'numba': []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(2):
            for backend in runs:
                out = Path(tmp) / f'{backend}{i}.json'
                subprocess.run([*CMD, '--loss-backend', backend, '--output', str(out)], check=True,
                               stdout=subprocess.DEVNULL)
                runs[backend].append(json.loads(out.read_text()))
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    data = json.loads(OUT.read_text())
    data['cpu_kernels'] = dict(command=' '.join(['python -m ciae.bench', *CMD[3:], '--loss-backend fast|numba']),
                               commit=commit, order='fast, numba, fast, numba', runs=runs,
                               finished=time.strftime('%Y-%m-%dT%H:%M:%S'))
    OUT.write_text(json.dumps(data, indent=1) + '\n')
    for b, rs in runs.items():
        for r in rs:
            t = r['train'][0]
            print(f"{b:6s} ciae {t['ciae']['median_ms']:7.1f} ms  FCOS {t['fcos']['median_ms']:7.1f} ms  "
                  f"ciae/FCOS {t['ciae/fcos']:.3f}  loss {t['ciae_loss']['median_ms']:6.1f} ms  "
                  f"COCO-like loss {t['coco_like']['ciae_loss']['median_ms']:6.1f} ms "
                  f"({100 * t['coco_like']['loss_share']:.1f} %)")
    return 0

if __name__ == '__main__':
    sys.exit(main())
