"""Why the embedded default's things PQ stays low (issue 18): three checks, each written into one JSON.

    python experiments/things_diagnosis.py locations RUN [RUN ...]   # class accuracy of the box classifier, location by location
    python experiments/things_diagnosis.py thresholds RUN            # score / NMS thresholds scored on train images
    python experiments/things_diagnosis.py crops                     # is the shape learnable at all, in isolation, in this budget?
    python experiments/things_diagnosis.py oracle RUN                # Table IV's oracle: ground-truth boxes and classes
    (each takes --data data/synth and --out experiments/things_diagnosis_hard_v1.json; results are merged into the file)

- `locations`: at every positive location of the proposal head (a location inside a thing's mask, on the level its size
  belongs to; the training targets), is the arg-max class right? Split by the location's centre-ness target (0: on
  the boundary, 1: the centre), on val and on the first 100 train images. A classifier that sees shape is better near
  corners and edges than a colour-reader is; one that reads colour is the same everywhere and near the colour-only rate.
- `thresholds`: the official PQ of the first 100 *train* images for score thresholds 0.2 / 0.3 / 0.4 and NMS 0.4 / 0.6,
  so the preset's choice is made on a split that is not the reported one.
- `crops`: a torchvision ResNet-18 from random weights trained on 48 × 48 crops of the train split's thing instances
  (box centred, 1.2 × its longer side, crowds left out), AdamW 1e-3, batch 32, 900 steps, one thread, accuracy on
  the val split's crops every 150 steps. A bound for what the box classifier could reach from scratch on this data.
- `oracle`: val PQ with the ground-truth boxes and classes as detections (Table IV; `python -m ciae.evaluate --oracle`):
  what the embedding and the fusion give when the detector is perfect.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from ciae.engine.checkpoint import load_model
from ciae.engine.evaluate import evaluate_split
from ciae.engine.config import get_preset
from ciae.data.coco import CocoPanoptic, split_paths
from ciae.data.transforms import test_transform, collate
from ciae.model.proposal_head import flatten_levels, centerness_target

CENTRENESS_EDGES = (0.2, 0.4, 0.6, 0.8)

def preset_test_transform():
    "The synth preset's test geometry, which every run diagnosed here was evaluated at."
    i = get_preset('synth').input
    return test_transform(i.test_short, i.test_max)

@torch.no_grad()
def location_accuracy(model, ds, n: int) -> dict:
    "Arg-max class accuracy at the positive locations of the first `n` images, by centre-ness bucket."
    edges = torch.tensor(CENTRENESS_EDGES)
    right, total = torch.zeros(5), torch.zeros(5)
    for i in range(min(n, len(ds))):
        b = collate([ds[i]])
        out, _ = model.network(b['images'].float(), image_sizes=b.get('image_sizes'))
        cls_t, reg_t = model.targets(out, b)                                    # (1, L), (1, L, 4)
        pos = cls_t[0] >= 0
        if not pos.any(): continue
        ok = (flatten_levels(out['cls'])[0][pos].argmax(1) == cls_t[0][pos]).float()   # (P,)
        bucket = torch.bucketize(centerness_target(reg_t[0][pos]), edges)
        right += torch.bincount(bucket, ok, minlength=5)
        total += torch.bincount(bucket, minlength=5).float()
    return dict(images=min(n, len(ds)), accuracy=round(float(right.sum() / total.sum()), 3),
                by_centreness=[round(float(x), 3) for x in right / total.clamp(min=1)], locations=[int(x) for x in total],
                centreness_edges=list(CENTRENESS_EDGES))

def cmd_locations(a) -> dict:
    rows = {}
    for run in map(Path, a.runs):
        ckpt = run / 'model_final.pth' if run.is_dir() else run
        model, _ = load_model(ckpt, 'cpu')
        model.eval()
        name = f'{ckpt.parent.name}/{ckpt.name}'
        rows[name] = {split: location_accuracy(model, CocoPanoptic(a.data, split, transforms=preset_test_transform()), 100)
                      for split in ('val', 'train')}
        print(name, {s: r['by_centreness'] for s, r in rows[name].items()}, flush=True)
    return dict(locations=rows)

def cmd_thresholds(a) -> dict:
    model, _ = load_model(Path(a.runs[0]) / 'model_final.pth', 'cpu', optimize=True)
    ds = CocoPanoptic(a.data, 'train', transforms=preset_test_transform())
    grid = []
    for st in (0.2, 0.3, 0.4):
        for nm in (0.4, 0.6):
            model.cfg.score_thresh, model.cfg.nms_thresh = st, nm
            r = evaluate_split(model, ds, Path('runs') / 'thresholds' / f'{st}_{nm}', max_images=100, workers=0, progress=False)
            grid.append(dict(score_thresh=st, nms_thresh=nm, **{k.lower(): round(100 * r[k]['pq'], 2) for k in ('All', 'Things', 'Stuff')}))
            print(grid[-1], flush=True)
    best = max(grid, key=lambda g: g['all'])
    return dict(thresholds=dict(run=Path(a.runs[0]).name, split='train', images=100, grid=grid, best=best))

def cmd_oracle(a) -> dict:
    run = Path(a.runs[0])
    model, _ = load_model(run / 'model_final.pth', 'cpu')
    ds = CocoPanoptic(a.data, 'val', transforms=preset_test_transform())
    r = evaluate_split(model, ds, run / 'oracle', oracle=True, workers=0, progress=False)
    res = {k.lower(): round(100 * r[k]['pq'], 2) for k in ('All', 'Things', 'Stuff')}
    print(run.name, res, flush=True)
    return dict(oracle=dict(run=run.name, split='val', **res))

def instance_crops(root: str, split: str, size: int = 48) -> tuple[torch.Tensor, torch.Tensor]:
    "(N, 3, size, size) float crops in [0, 1] of a split's non-crowd thing instances and their class index (N,)."
    image_dir, json_path, _ = split_paths(root, split)
    js = json.loads(json_path.read_text())
    things = {c['id']: i for i, c in enumerate(c for c in js['categories'] if c['isthing'])}
    names = {im['id']: im['file_name'] for im in js['images']}
    xs, ys = [], []
    for ann in js['annotations']:
        im = Image.open(image_dir / names[ann['image_id']]).convert('RGB')
        for s in ann['segments_info']:
            if s['category_id'] not in things or s.get('iscrowd'): continue
            x, y, w, h = s['bbox']
            r, cx, cy = 0.6 * max(w, h) + 2, x + w / 2, y + h / 2
            xs.append(np.asarray(im.crop((int(cx - r), int(cy - r), int(cx + r), int(cy + r))).resize((size, size))))
            ys.append(things[s['category_id']])
    return torch.tensor(np.stack(xs)).permute(0, 3, 1, 2).float() / 255, torch.tensor(ys)

def cmd_crops(a) -> dict:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    xtr, ytr = instance_crops(a.data, 'train')
    xva, yva = instance_crops(a.data, 'val')
    net = torchvision.models.resnet18(num_classes=int(ytr.max()) + 1)
    opt = torch.optim.AdamW(net.parameters(), 1e-3, weight_decay=1e-4)
    curve, t0 = [], time.perf_counter()
    for step in range(1, 901):
        idx = torch.randint(len(xtr), (32,))
        x = xtr[idx]
        x = torch.where(torch.rand(len(x), 1, 1, 1) < 0.5, x.flip(-1), x)      # the trainer's flip
        loss = F.cross_entropy(net(x), ytr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 150 == 0:
            net.eval()
            with torch.no_grad(): acc = (net(xva).argmax(1) == yva).float().mean().item()
            net.train()
            curve.append(dict(step=step, val_accuracy=round(acc, 3), seconds=round(time.perf_counter() - t0)))
            print(curve[-1], flush=True)
    return dict(crops=dict(train_crops=len(xtr), val_crops=len(xva), size=48, batch=32, curve=curve,
                           best_val_accuracy=max(c['val_accuracy'] for c in curve)))

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('check', choices=('locations', 'thresholds', 'crops', 'oracle'))
    ap.add_argument('runs', nargs='*', help='run folders (or checkpoint files, for locations)')
    ap.add_argument('--data', default='data/synth')
    ap.add_argument('--out', default='experiments/things_diagnosis_hard_v1.json')
    a = ap.parse_args(argv)
    if a.check != 'crops' and not a.runs: ap.error(f'{a.check} needs at least one run folder')
    res = dict(locations=cmd_locations, thresholds=cmd_thresholds, crops=cmd_crops, oracle=cmd_oracle)[a.check](a)
    out = Path(a.out)
    old = json.loads(out.read_text()) if out.is_file() else {}
    if 'locations' in res: res['locations'] = {**old.get('locations', {}), **res['locations']}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**old, **res}, indent=1) + '\n')
    print(f'wrote {out}')
    return 0

if __name__ == '__main__': sys.exit(main())
