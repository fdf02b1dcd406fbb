"""One val image through a trained checkpoint, for the notebooks' pictures. Fig. 4(d): the cosine similarity of every
pixel to each query of eq. 16 (the stuff memories, then the detections' queries, each the embedding at the location it
was predicted from), before and after box filtering (Section IV-B), and the panoptic result
(nbs/35_training_walkthrough.ipynb draws them). The panoptic result of each fusion (`FUSIONS`: literal, lowres,
oracle, boxes) beside the ground truth (nbs/23b_fusions.ipynb). Writes experiments/trained_example.npz.

    python experiments/trained_example.py [RUN] [--scan 30]

RUN is a training run folder (runs/ is not committed). The default, runs/default-s0, is the default configuration at
the first ablation sweep's schedule (500 iterations at 160 × 200; the sweep now runs 600), seed 0:

    python -m ciae.train --output runs/default-s0 --seed 0 solver.max_iter=500 solver.warmup_iters=25 \\
        input.short_sizes=160 input.max_size=200 input.test_short=160 input.test_max=200

The image is the one of the first --scan val images whose ground truth has the most thing instances that touch
another instance of their own class: where the embedding, not the box, has to separate them. Similarities are
stored as uint8 (cosine in [-1, 1] → 0..255), about 1/128 of a step."""
import argparse, json
from pathlib import Path
import numpy as np
import torch
from ciae.data.coco import CocoPanoptic
from ciae.data.panoptic_io import instance_statistics, read_panoptic_png
from ciae.data.transforms import collate, test_transform
from ciae.engine.checkpoint import load_model
from ciae.model.fusion import assign_pixels, proposal_queries
from ciae.ops.boxes import boxes_inside, filter_similarity
from ciae.ops.cosine import l2_normalize

OUT = Path('experiments/trained_example.npz')
FUSION_NAMES = ('literal', 'lowres', 'oracle', 'boxes')

def most_touching(ds: CocoPanoptic, scan: int) -> tuple[int, int]:
    "(index, count) of the first `scan` images' one with the most thing instances touching their own class."
    things = {i for i, t in zip(ds.categories.ids, ds.categories.isthing) if t}
    best = (0, -1)
    for i in range(min(scan, len(ds))):
        r = ds.records[i]
        _, touching = instance_statistics(read_panoptic_png(ds.png_dir / r['png']), r['segments_info'], things)
        best = max(best, (i, touching), key=lambda t: t[1])
    return best

def quantise(x: torch.Tensor) -> np.ndarray:
    "Cosines in [-1, 1] → uint8."
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()

@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('run', nargs='?', default='runs/default-s0')
    ap.add_argument('--scan', type=int, default=30)
    a = ap.parse_args()
    run = Path(a.run)
    model, _ = load_model(run / 'model_final.pth')
    cfg = json.loads((run / 'config.json').read_text())
    ds = CocoPanoptic(cfg['data'], cfg['val_split'],
                      transforms=test_transform(cfg['input']['test_short'], cfg['input']['test_max']))
    index, touching = most_touching(ds, a.scan)
    item = ds[index]
    batch = collate([item])
    pred = model.eval().predict(batch, return_embedding=True)[0]               # the run's own thresholds
    fusions = {f'fusion_{f}': model.predict(batch, fusion=f)[0]['panoptic'].numpy().astype(np.int32)
               for f in FUSION_NAMES}
    P, det, ns = pred['embedding'], pred['detections'], model.cfg.num_stuff     # P (D, H, W) unit vectors
    H, W = P.shape[-2:]
    queries = torch.cat([l2_normalize(model.memory[:ns], -1),
                         l2_normalize(proposal_queries(P, det['locations']), -1)])  # (Q, D)
    sim = (queries @ P.flatten(1)).view(-1, H, W)                                   # (Q, H, W)
    filtered = sim.clone()
    filtered[ns:] = filter_similarity(sim[ns:], boxes_inside(det['boxes'], H, W))
    assert torch.equal(filtered.argmax(0), assign_pixels(P, queries, ns, det['boxes']))  # eq. 16's own decision
    names = ds.categories.names
    titles = names[:ns] + [f"{names[ns + int(lab)]} {s:.2f}" for lab, s in zip(det['labels'], det['scores'])]
    h, w = item['image'].shape[-2:]
    np.savez_compressed(OUT, image=item['image'].numpy().astype(np.uint8), sim=quantise(sim[:, :h, :w]),
                        filtered=quantise(filtered[:, :h, :w]), boxes=det['boxes'].numpy(), titles=np.array(titles),
                        labels=det['labels'].numpy(), scores=det['scores'].numpy(), locations=det['locations'].numpy(),
                        panoptic=pred['panoptic'].numpy().astype(np.int32), names=np.array(names),
                        segments_info=json.dumps(pred['segments_info']), **fusions,
                        ground_truth=item['segment'][:h, :w].numpy().astype(np.int32),
                        num_stuff=ns, run=str(run), file_name=item['file_name'], touching=touching,
                        pq=json.loads((run / 'pq_val.json').read_text())['All']['pq'])
    print(f"{OUT}: {item['file_name']}, {touching} instances touching their own class, {len(det['boxes'])} "
          f"detections, {OUT.stat().st_size / 1e3:.0f} kB")

if __name__ == '__main__':
    main()
