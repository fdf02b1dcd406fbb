"""How the default recipe for benchmark v2 was chosen: candidate settings of `python -m ciae.train`, each trained on the
train split of data/synth and scored on a *tuning* split that is not the reported one (100 images of seed 1, written to
data/synth_tune), with the detection thresholds swept on that split. Results go to experiments/recipe_v2.json, one
entry per candidate, written as each finishes; a candidate already there is skipped (resumable).

    python experiments/recipe_v2.py NAME [KEY=VALUE ...] [--max-iter N]

The reported figures (the val split) come from `tools/time_default.py`, never from this file."""
import argparse, itertools, json, os, platform, subprocess, sys, time
from pathlib import Path

OUT = Path('experiments/recipe_v2.json')
TUNE = Path('data/synth_tune')
SCORES, NMS = (0.3, 0.4, 0.5), (0.3, 0.4, 0.5)

def tune_split(tune: Path = TUNE, variant: str = 'v2'):
    "The tuning split: 100 val images of seed 1 (the reported val split is seed 0)."
    from ciae.data.synth import make_synthetic
    if not (tune / 'synth.json').is_file():
        make_synthetic(tune, train=0, val=100, seed=1, progress=False, variant=variant)

def sweep(run: Path, tune: Path = TUNE, scores=SCORES, nms=NMS) -> dict:
    "PQ / things / stuff on the tuning split for each (score, NMS) threshold pair of the run's final checkpoint."
    from ciae.engine.checkpoint import load_model
    from ciae.engine.evaluate import evaluate_split
    from ciae.data.coco import CocoPanoptic
    from ciae.data.transforms import test_transform
    model, meta = load_model(run, 'cpu', optimize=True)
    inp = meta['config']['input']
    ds = CocoPanoptic(tune, 'val', transforms=test_transform(inp['test_short'], inp['test_max']))
    res = {}
    for s, n in itertools.product(scores, nms):
        model.cfg.score_thresh, model.cfg.nms_thresh = s, n
        r = evaluate_split(model, ds, run / 'tune' / f'{s}_{n}', workers=1, progress=False)
        res[f'{s}/{n}'] = [round(100 * r[k]['pq'], 2) for k in ('All', 'Things', 'Stuff')]
    return res

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('name')
    ap.add_argument('overrides', nargs='*')
    ap.add_argument('--max-iter', type=int)
    ap.add_argument('--runs', default='runs/recipe_v2')
    ap.add_argument('--data-note', default='v2: 2-5 groups per image, members overlapping by 0.6-1.0 of their radii')
    a = ap.parse_args(argv)
    done = json.loads(OUT.read_text()) if OUT.is_file() else {}
    if a.name in done: print(f"{a.name}: already in {OUT}"); return 0
    tune_split()
    run = Path(a.runs) / a.name
    cmd = [sys.executable, '-m', 'ciae.train', '--quiet', '--resume', '--output', str(run), *a.overrides]
    if a.max_iter: cmd += ['--max-iter', str(a.max_iter)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    val = json.loads((run / 'pq_val.json').read_text())
    import torch
    entry = dict(data=a.data_note, overrides=a.overrides, max_iter=a.max_iter, wall_s=round(wall, 1), tune=sweep(run),
                 val_at_preset_thresholds=[round(100 * val[k]['pq'], 2) for k in ('All', 'Things', 'Stuff')],
                 machine=dict(cores=os.cpu_count(), torch=torch.__version__, python=platform.python_version()),
                 finished=time.strftime('%Y-%m-%dT%H:%M:%S'))
    done = json.loads(OUT.read_text()) if OUT.is_file() else {}
    done[a.name] = entry
    OUT.write_text(json.dumps(done, indent=1) + '\n')
    best = max(entry['tune'].items(), key=lambda kv: kv[1][0])
    print(f"{a.name}: best on the tuning split {best[0]} (score/NMS): PQ {best[1][0]}, things {best[1][1]}, stuff {best[1][2]}")
    return 0

if __name__ == '__main__': sys.exit(main())
