"""Collect training runs of the synth preset into one JSON of levers (issue 18): per run, what it changed against
the preset, its val PQ (pq_val.json, the official evaluator) and a diagnosis of its detector on the val split:
class-agnostic recall at box IoU ≥ 0.5 by object size, and the share of matched boxes whose class is right.

    python experiments/lever_runs.py runs/A runs/B ... [--out experiments/levers_hard_v1.json] [--note 'how they ran']
        [--label RUN=TEXT ...] [--kept RUN=TEXT ...] [--detector RUN,RUN]

A run's overrides of the synth preset are read from its config.json; --label and --kept say in words what it changed and
whether that was kept. The detector is scored at score
threshold 0.05 (what it finds at all) and at the preset's threshold (what reaches the panoptic map), for the runs
named in --detector."""
import argparse, json, sys
from pathlib import Path
import torch
from torchvision.ops import box_iou
from ciae.engine.config import get_preset, config_dict
from ciae.engine.checkpoint import load_model
from ciae.data.coco import CocoPanoptic
from ciae.data.transforms import test_transform

SIZES = (24, 48, 96)     # bucket edges on the longer box side, in pixels

def overrides(cfg: dict, base: dict, prefix: str = '') -> dict:
    "The leaves of `cfg` that differ from `base`: {'solver.base_lr': 0.001, ...}."
    out = {}
    for k in sorted(set(cfg) | set(base)):
        a, b = cfg.get(k), base.get(k)
        if isinstance(a, dict) or isinstance(b, dict): out.update(overrides(a or {}, b or {}, f'{prefix}{k}.'))
        elif k == 'data' and a and b and Path(a).resolve() == Path(b).resolve(): continue     # the same folder, spelt otherwise
        elif a != b and k not in ('output', 'workers', 'synth') and (k in base or prefix == 'model.'): out[prefix + k] = a
    return out

@torch.no_grad()
def detector_report(model, ds, score_thresh: float) -> dict:
    "Greedy one-to-one matching of detections (by score) to ground-truth thing boxes at IoU ≥ 0.5, class-agnostic."
    model.cfg.score_thresh = score_thresh
    ns, edges = model.cfg.num_stuff, torch.tensor(SIZES, dtype=torch.float)
    gt, hit, right, dets = torch.zeros(4), torch.zeros(4), torch.zeros(4), 0
    for i in range(len(ds)):
        it = ds[i]
        d = model.predict(dict(images=it['image'][None], image_sizes=[tuple(it['image'].shape[1:])]))[0]['detections']
        boxes, labels = it['boxes'], it['labels'] - ns
        dets += len(d['boxes'])
        if not len(boxes): continue
        bucket = torch.bucketize((boxes[:, 2:] - boxes[:, :2]).max(1).values, edges)
        gt += torch.bincount(bucket, minlength=4).float()
        iou = box_iou(boxes, d['boxes']) if len(d['boxes']) else torch.zeros(len(boxes), 0)
        free = torch.ones(len(boxes), dtype=torch.bool)
        for j in d['scores'].argsort(descending=True).tolist():
            col = torch.where(free, iou[:, j], torch.zeros(()))
            g = int(col.argmax()) if len(col) else 0
            if len(col) and col[g] >= 0.5:
                free[g] = False
                hit[bucket[g]] += 1
                right[bucket[g]] += int(d['labels'][j]) == int(labels[g])
    def r(t): return [round(float(x), 3) for x in t]
    return dict(score_thresh=score_thresh, ground_truth=int(gt.sum()), detections=dets, matched=int(hit.sum()),
                class_right=int(right.sum()), recall_by_size=r(hit / gt.clamp(min=1)), class_accuracy_by_size=r(right / hit.clamp(min=1)),
                size_edges=list(SIZES), objects_by_size=[int(x) for x in gt])

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('runs', nargs='+', help="run folders; RUN:PQ_JSON reads another evaluation of RUN (e.g. at another test size)")
    ap.add_argument('--out', default='experiments/levers_hard_v1.json')
    ap.add_argument('--note', default='')
    ap.add_argument('--detector', default='', metavar='RUN,RUN', help='runs whose detector to diagnose (a minute each on 2 cores); default: none')
    ap.add_argument('--label', action='append', default=[], metavar='RUN=TEXT', help='what a run changed that its config does not say')
    ap.add_argument('--kept', action='append', default=[], metavar='RUN=TEXT', help='whether the run\'s change was kept, and why')
    a = ap.parse_args(argv)
    torch.set_num_threads(max(torch.get_num_threads(), 1))
    base = json.loads(json.dumps(config_dict(get_preset('synth'))))          # tuples as the configs store them
    labels = dict(x.split('=', 1) for x in a.label)
    kept = dict(x.split('=', 1) for x in a.kept)
    rows = []
    for spec in a.runs:
        run, _, other = spec.partition(':')                                   # RUN or RUN:PQ_JSON (another evaluation of it)
        run = Path(run)
        cfg = json.loads((run / 'config.json').read_text())
        pq = json.loads(Path(other or run / 'pq_val.json').read_text())
        name = f'{run.name}/{Path(other).parent.name}' if other else run.name
        row = dict(run=name, overrides=overrides(cfg, base), label=labels.get(name, ''), kept=kept.get(name, ''),
                   **{k.lower(): {m: round(100 * pq[k][m], 2) for m in ('pq', 'sq', 'rq')} for k in ('All', 'Things', 'Stuff')},
                   per_class={k: round(100 * v['pq'], 2) for k, v in pq['per_class'].items()},
                   detector=None)
        if name in a.detector.split(','):
            model, _ = load_model(run / 'model_final.pth', 'cpu', optimize=True)
            ds = CocoPanoptic(cfg['data'], cfg['val_split'], transforms=test_transform(cfg['input']['test_short'], cfg['input']['test_max']))
            row['detector'] = [detector_report(model, ds, t) for t in sorted({0.05, model.cfg.score_thresh})]
        print(f"{name}: {row['overrides']} {row['label']} PQ {row['all']['pq']} things {row['things']['pq']} stuff {row['stuff']['pq']}", flush=True)
        rows.append(row)
    Path(a.out).write_text(json.dumps(dict(note=a.note, preset='synth', runs=rows), indent=1) + '\n')
    print(f"wrote {a.out}")
    return 0

if __name__ == '__main__': sys.exit(main())
