"""Time the embedded default side by side: `python -m ciae.train` with no arguments, run from a fresh checkout of each
given commit with no dataset on disk, so generation, training and evaluation are all counted; the commits run one after
the other on this machine, with nothing else started by this tool in between.

    python tools/time_default.py OLD_COMMIT NEW_COMMIT [--also synth_hard] [--out experiments/default_run.json]

Each commit is checked out with `git worktree` into a temporary folder and imported from there (PYTHONPATH), with this
Python environment. The JSON holds per run: the wall time, the peak memory of the command's processes together (sampled
every 0.2 s; summed RSS and summed PSS, see `tree_memory_mb`), the final evaluation (pq_val.json), the iterations and
batch, and the machine (CPU model, cores, torch).
For the last commit it also holds the same checkpoint's Table IV oracle and box-only baseline (`python -m ciae.evaluate
--oracle`, `--boxes-only`), and the runs of the presets named by `--also` (their times are not part of the comparison).
The README's results are read from it."""
import argparse, json, os, platform, subprocess, sys, tempfile, threading, time
from pathlib import Path

def cpu_model() -> str:
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or 'unknown'

def _pss_bytes(pid: int) -> int:
    "Proportional set size of one process: its private pages plus its share of pages it shares (Linux smaps_rollup)."
    for line in Path(f'/proc/{pid}/smaps_rollup').read_text().splitlines():
        if line.startswith('Pss:'): return int(line.split()[1]) * 1024
    return 0

def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process and all its descendants (Linux /proc), in MB. Summed RSS counts a page shared by
    several processes (DataLoader and evaluation workers share the parent's) once per process; summed PSS counts it
    once in all, which is the memory the command occupies."""
    kids, rss = {}, {}
    for d in Path('/proc').iterdir():
        if not d.name.isdigit(): continue
        try:
            st = (d / 'stat').read_text()
            kids.setdefault(int(st.rsplit(')', 1)[1].split()[1]), []).append(int(d.name))
            rss[int(d.name)] = int(st.rsplit(')', 1)[1].split()[21]) * os.sysconf('SC_PAGE_SIZE')
        except (OSError, ValueError, IndexError): pass
    todo, total, pss = [pid], 0, 0
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        try: pss += _pss_bytes(p) if p in rss else 0
        except (OSError, ValueError, IndexError): pass
        todo += kids.get(p, [])
    return total / 2 ** 20, pss / 2 ** 20

def timed_run(cmd: list, cwd: Path, env: dict, log: Path) -> tuple[float, float, float]:
    "Run `cmd` → (wall seconds, peak RSS MB, peak PSS MB of its process tree); SystemExit naming the log if it fails."
    peak, done = [0.0, 0.0], threading.Event()
    t0 = time.perf_counter()
    with open(log, 'w') as f:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT)
        def sample():
            while not done.wait(0.2): peak[:] = map(max, peak, tree_memory_mb(proc.pid))
        threading.Thread(target=sample, daemon=True).start()
        rc = proc.wait()
    done.set()
    if rc: raise SystemExit(f"error: {' '.join(cmd[1:])} failed with exit code {rc}; see {log}")
    return time.perf_counter() - t0, peak[0], peak[1]

def pq_summary(path: Path) -> dict:
    pq = json.loads(path.read_text())
    return dict(results={k: {m: round(100 * pq[k][m], 2) for m in ('pq', 'sq', 'rq')} for k in ('All', 'Things', 'Stuff')},
                per_class={k: round(100 * v['pq'], 2) for k, v in pq.get('per_class', {}).items()})

def run_preset(tree: Path, sha: str, preset: str | None, extra_evals: bool) -> dict:
    "`python -m ciae.train [--preset P]` in the checkout `tree` → its record (and the oracle and box-only evaluations)."
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONWARNINGS='ignore')
    name = preset or 'synth'
    log = Path(tempfile.gettempdir()) / f'ciae_default_{sha[:8]}_{name}.log'
    print(f"{sha[:8]}: python -m ciae.train{f' --preset {preset}' if preset else ''} in {tree} (log {log})", flush=True)
    wall, peak, pss = timed_run([sys.executable, '-m', 'ciae.train'] + (['--preset', preset] if preset else []), tree, env, log)
    run = tree / 'runs' / name
    cfg = json.loads((run / 'config.json').read_text())
    rec = dict(commit=sha, preset=name, wall_s=round(wall, 1), peak_mb=round(peak), peak_pss_mb=round(pss),
               **pq_summary(run / 'pq_val.json'),
               max_iter=cfg['solver']['max_iter'], batch_size=cfg['solver']['batch_size'],
               finished=time.strftime('%Y-%m-%dT%H:%M:%S'))
    r = rec['results']
    print(f"{sha[:8]} {name}: {wall / 60:.1f} min, peak RSS {peak:.0f} MB, PSS {pss:.0f} MB, PQ {r['All']['pq']}, "
          f"things {r['Things']['pq']}, "
          f"stuff {r['Stuff']['pq']}", flush=True)
    for flag in ('--oracle', '--boxes-only') if extra_evals else ():
        timed_run([sys.executable, '-m', 'ciae.evaluate', '--checkpoint', str(run), '--output', str(run / flag[2:]), flag],
                  tree, env, log.with_suffix(f'.{flag[2:]}.log'))
        rec[flag[2:].replace('-', '_')] = pq_summary(run / flag[2:] / f"pq_val_{'oracle' if flag == '--oracle' else 'boxes'}.json")
    return rec

def run_commit(commit: str, presets: list, extra_evals: bool) -> list:
    "The default command (and the `presets`) at `commit`, from a fresh checkout → their records."
    sha = subprocess.run(['git', 'rev-parse', commit], capture_output=True, text=True, check=True).stdout.strip()
    tree = Path(tempfile.mkdtemp(prefix=f'ciae_{sha[:8]}_'))
    subprocess.run(['git', 'worktree', 'add', '--detach', str(tree), sha], check=True, capture_output=True)
    try: return [run_preset(tree, sha, p, extra_evals) for p in presets]
    finally: subprocess.run(['git', 'worktree', 'remove', '--force', str(tree)], capture_output=True)

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('commits', nargs='+', help='commits to time, in this order (e.g. the old default, then the new one)')
    ap.add_argument('--also', nargs='*', default=[], help='more presets to run at the last commit (e.g. synth_hard)')
    ap.add_argument('--out', default='experiments/default_run.json')
    ap.add_argument('--append', action='store_true',
                    help='add the runs to those already in --out (the same machine kind) instead of replacing them')
    a = ap.parse_args(argv)
    import torch
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = dict(cpu=cpu_model(), cores=os.cpu_count(), torch=torch.__version__, threads=torch.get_num_threads(),
                   python=platform.python_version())
    runs = json.loads(out.read_text())['runs'] if a.append and out.is_file() else []
    for k, c in enumerate(a.commits):
        last = k == len(a.commits) - 1
        runs += run_commit(c, [None] + (a.also if last else []), extra_evals=last)
        keep = json.loads(out.read_text()) if a.append and out.is_file() else {}
        rec = {**keep, **dict(command='python -m ciae.train', machine=machine, runs=runs)}
        out.write_text(json.dumps(rec, indent=1) + '\n')
    print(f"wrote {out}")
    return 0

if __name__ == '__main__': sys.exit(main())
