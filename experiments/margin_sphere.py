"""What the triplet margin does to the embedding (Table VII): for the seed-0 runs of the sweep at margins 0, 0.15 (the
default) and 0.3, the unit pixel embeddings of the first val images, drawn on a sphere, and for every thing pixel in
another instance's box its cosine to its own instance's mean embedding and to that other instance's mean. Writes
experiments/margin_sphere.json, which nbs/51_experiments.ipynb draws.

    python experiments/margin_sphere.py [--runs runs/sweep_600] [--images 4] [--table experiments/table_VII.json]

It reads the runs' final checkpoints (runs/ is not committed) and a committed table_VII.json, which names the runs.
The committed JSON is made from the 600-iteration sweep's seed-0 runs, trained again on the CPU with the sweep's own
commands (`train_command` of ciae.ablation.runs), since the sweep's checkpoints are not kept; its margin-0 run of seed
0 ran on a lent GPU. Each margin records the PQ of the checkpoint drawn beside the table's, and the table's machine.
The sphere is a picture, not the embedding space itself: the embeddings have D = 16 dimensions, and each point is
its projection on the three principal directions of the sampled pixels, scaled back to unit length."""
import argparse, json, time
from pathlib import Path
import torch
from ciae.data.coco import CocoPanoptic
from ciae.data.transforms import collate, test_transform
from ciae.engine.checkpoint import load_model
from ciae.ops.cosine import l2_normalize
from ciae.ops.runtime import machine_name, write_json_atomic
from ciae.ops.boxes import boxes_inside, expand_boxes, masks_to_edge_boxes
from ciae.ops.segments import instance_masks, segment_means
from ciae.ablation.runs import read_report

MARGINS = {'0.00': 0.0, '0.15': 0.15, '0.30': 0.3}
OUT = Path('experiments/margin_sphere.json')

def seed0_run(table: dict, label: str) -> str | None:
    "The run name of a Table VII row's seed 0, if it finished."
    row = next(r for r in table['rows'] if r['label'] == [label])
    return next((r['run'] for r in row['runs'] if r['seed'] == 0 and r['status'] == 'ok'), None)

@torch.no_grad()
def embeddings(run: Path, images: int) -> tuple:
    "Unit pixel embeddings (B, D, H, W), segment ids (B, H, W), per-segment category, memory (C, D) of a run."
    model, meta = load_model(run / 'model_final.pth')
    cfg = json.loads((run / 'config.json').read_text())
    ds = CocoPanoptic(cfg['data'], cfg['val_split'],
                      transforms=test_transform(cfg['input']['test_short'], cfg['input']['test_max']))
    batch = collate([ds[i] for i in range(images)])
    raw = model.network(batch['images'], image_sizes=batch['image_sizes'])[1]
    memory = l2_normalize(model.criterion.memory.embeddings, -1)
    return l2_normalize(raw, 1), batch['segment'], model.cfg.num_stuff, memory

def thing_cosines(emb, segment, num_stuff: int, expand: float = 1.5) -> list:
    """[own, nearest other] cosines of every thing pixel that lies in another instance's expanded box: to its own
    instance's mean embedding (eq. 4), and to the closest mean of the other instances whose box (× `expand`, Section
    IV-B) holds it, the instances the loss pushes it away from."""
    out = []
    for e, s in zip(emb, segment):
        masks = instance_masks(s, num_stuff)                                   # (n, H, W)
        n, (H, W) = len(masks), s.shape
        if n < 2:
            continue
        means, present = segment_means(e[None], s[None], num_stuff + n)        # (1, ns + n, D), (1, ns + n)
        means = l2_normalize(means[0, num_stuff:], -1)                         # (n, D)
        inside = boxes_inside(expand_boxes(masks_to_edge_boxes(masks).float(), expand), H, W).flatten(1).T   # (HW, n)
        own = masks.flatten(1).T                                               # (HW, n)
        near = inside & ~own & present[0, num_stuff:][None]                    # other instances whose box holds it
        pick = own.any(1) & near.any(1)
        sim = e.flatten(1).T[pick] @ means.T                                   # (M, n)
        pos = (sim * own[pick]).sum(1)
        neg = sim.masked_fill(~near[pick], -2).amax(1)
        out += torch.stack([pos, neg], 1).tolist()
    return out

def sphere(emb, segment, memory, points: int = 1500, seed: int = 0) -> dict:
    "The first image's pixels (a sample) and the memories, projected on three principal directions, at unit length."
    g = torch.Generator().manual_seed(seed)
    e, s = emb[0].flatten(1).T, segment[0].flatten()                            # (HW, D), (HW,)
    keep = (s >= 0).nonzero()[:, 0]
    keep = keep[torch.randperm(len(keep), generator=g)[:points]]
    p, ids = e[keep], s[keep]
    _, _, v = torch.linalg.svd(p, full_matrices=False)                          # (D, D): principal directions
    proj = lambda x: l2_normalize(x @ v[:3].T, -1)
    return dict(points=proj(p).round(decimals=3).tolist(), segment=ids.tolist(),
                memory=proj(memory).round(decimals=3).tolist())

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--runs', default='runs/sweep_600')
    ap.add_argument('--table', default='experiments/table_VII.json')
    ap.add_argument('--images', type=int, default=4)
    a = ap.parse_args()
    table = json.loads(Path(a.table).read_text())
    res = dict(made=time.strftime('%Y-%m-%dT%H:%M:%S'), machine=machine_name(), images=a.images, table=a.table,
               iters=table['schedule']['iters'], margins={})
    for label, m in MARGINS.items():
        name = seed0_run(table, label)
        if name is None:
            print(f"margin {m}: seed 0 not finished in {a.table}; skipped")
            continue
        emb, seg, ns, mem = embeddings(Path(a.runs) / name, a.images)
        cos = thing_cosines(emb, seg, ns)
        row = next(r for r in table['rows'] if r['label'] == [label])
        rec = next(r for r in row['runs'] if r['run'] == name)
        here = read_report(Path(a.runs) / name / f"pq_{table['val_split']}.json")
        res['margins'][label] = dict(margin=m, run=name, num_stuff=ns, sphere=sphere(emb, seg, mem),
                                     PQ=here['PQ'], PQ_th=here['PQ_th'], table_PQ=rec['PQ'],
                                     table_PQ_th=rec['PQ_th'], table_machine=rec['machine'],
                                     thing_cosines=[[round(x, 3) for x in c] for c in cos[::4]])
        print(f"margin {m}: {name}, {len(cos)} thing pixels; PQ {here['PQ']:.2f} (table: {rec['PQ']:.2f}, "
              f"{rec['machine']})")
    write_json_atomic(res, OUT)
    print(f"wrote {OUT}")

if __name__ == '__main__':
    main()
