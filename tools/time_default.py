"""Time the embedded default side by side (issue 18): `python -m ciae.train` with no arguments, run from a fresh
checkout of each given commit with no dataset on disk, so generation, training and evaluation are all counted; the
commits run one after the other on this machine, with nothing else started by this tool in between.

    python tools/time_default.py OLD_COMMIT NEW_COMMIT [--out experiments/default_run.json]

Each commit is checked out with `git worktree` into a temporary folder and imported from there (PYTHONPATH), with
this Python environment. The JSON holds per commit: the wall time, the final evaluation (pq_val.json), the
iterations and batch, and the machine (CPU model, cores, torch). The README's results table is read from it."""
import argparse, json, os, platform, subprocess, sys, tempfile, time
from pathlib import Path

def cpu_model() -> str:
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or 'unknown'

def run_commit(commit: str) -> dict:
    "One fresh run of the default command at `commit` → its record."
    sha = subprocess.run(['git', 'rev-parse', commit], capture_output=True, text=True, check=True).stdout.strip()
    tree = Path(tempfile.mkdtemp(prefix=f'ciae_{sha[:8]}_'))
    subprocess.run(['git', 'worktree', 'add', '--detach', str(tree), sha], check=True, capture_output=True)
    try:
        env = dict(os.environ, PYTHONPATH=str(tree), PYTHONWARNINGS='ignore')
        log = Path(tempfile.gettempdir()) / f'ciae_default_{sha[:8]}.log'
        print(f"{sha[:8]}: python -m ciae.train in {tree} (log {log})", flush=True)
        t0 = time.perf_counter()
        with open(log, 'w') as f: rc = subprocess.run([sys.executable, '-m', 'ciae.train'], cwd=tree, env=env, stdout=f, stderr=subprocess.STDOUT).returncode
        wall = time.perf_counter() - t0
        if rc: raise SystemExit(f"error: {sha[:8]}: python -m ciae.train failed with exit code {rc}; see {log}")
        pq = json.loads((tree / 'runs' / 'synth' / 'pq_val.json').read_text())
        cfg = json.loads((tree / 'runs' / 'synth' / 'config.json').read_text())
        res = {k: {m: round(100 * pq[k][m], 2) for m in ('pq', 'sq', 'rq')} for k in ('All', 'Things', 'Stuff')}
        per_class = {k: round(100 * v['pq'], 2) for k, v in pq.get('per_class', {}).items()}
        print(f"{sha[:8]}: {wall / 60:.1f} min, PQ {res['All']['pq']}, things {res['Things']['pq']}, stuff {res['Stuff']['pq']}", flush=True)
        return dict(commit=sha, wall_s=round(wall, 1), results=res, per_class=per_class, max_iter=cfg['solver']['max_iter'],
                    batch_size=cfg['solver']['batch_size'], finished=time.strftime('%Y-%m-%dT%H:%M:%S'))
    finally:
        subprocess.run(['git', 'worktree', 'remove', '--force', str(tree)], capture_output=True)

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('commits', nargs='+', help='commits to time, in this order (e.g. the old default, then the new one)')
    ap.add_argument('--out', default='experiments/default_run.json')
    a = ap.parse_args(argv)
    import torch
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = dict(cpu=cpu_model(), cores=os.cpu_count(), torch=torch.__version__, threads=torch.get_num_threads(),
                   python=platform.python_version())
    runs = [run_commit(c) for c in a.commits]
    out.write_text(json.dumps(dict(command='python -m ciae.train', machine=machine, runs=runs), indent=1) + '\n')
    print(f"wrote {out}")
    return 0

if __name__ == '__main__': sys.exit(main())
