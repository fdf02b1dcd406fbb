"""How many negatives box filtering leaves L_IAE (Table VI), on the ground truth of the sweep's data: for every thing
pixel of the val split at the sweep's size, the other instances whose ground-truth box, expanded by each factor of
Table VI, holds it (the instances eq. 7 pushes it from); 'All' is every other instance of the image. Writes
experiments/box_filter_coverage.json, which nbs/51_experiments.ipynb reads.

    python experiments/box_filter_coverage.py [--data data/synth] [--split val]

Needs the generated dataset (python -m ciae.data synth); reads no checkpoint and trains nothing."""
import argparse, json, time
from pathlib import Path
import torch
from ciae.ablation.plan import SCHEDULE
from ciae.data.coco import CocoPanoptic
from ciae.data.transforms import test_transform
from ciae.ops.boxes import boxes_inside, expand_boxes, masks_to_edge_boxes
from ciae.ops.runtime import machine_name, write_json_atomic
from ciae.ops.segments import instance_masks

FACTORS = {'All': None, '2.0×': 2.0, '1.5×': 1.5, '1.2×': 1.2, '1.0×': 1.0}
OUT = Path('experiments/box_filter_coverage.json')

def negatives(segment: torch.Tensor, num_stuff: int, factor: float | None) -> torch.Tensor:
    "(P,) per thing pixel of a (H, W) segment map: the other instances whose box (× factor; None: any) holds it."
    masks = instance_masks(segment, num_stuff)                                     # (n, H, W)
    n, (H, W) = len(masks), segment.shape
    own = masks.flatten(1)                                                         # (n, HW)
    if factor is None:
        inside = torch.ones_like(own)
    else:
        inside = boxes_inside(expand_boxes(masks_to_edge_boxes(masks).float(), factor), H, W).flatten(1)   # (n, HW)
    pix = own.any(0)                                                               # thing pixels
    return (inside & ~own)[:, pix].sum(0)                                          # (P,)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--data', default='data/synth')
    ap.add_argument('--split', default='val')
    a = ap.parse_args()
    ds = CocoPanoptic(a.data, a.split, transforms=test_transform(SCHEDULE.short, SCHEDULE.max_size))
    ns = ds.categories.num_stuff
    counts = {k: [] for k in FACTORS}
    instances = []
    for i in range(len(ds)):
        seg = ds[i]['segment']
        instances.append(len(instance_masks(seg, ns)))
        for k, f in FACTORS.items():
            counts[k].append(negatives(seg, ns, f))
    res = dict(made=time.strftime('%Y-%m-%dT%H:%M:%S'), machine=machine_name(), data=a.data, split=a.split,
               size=[SCHEDULE.short, SCHEDULE.max_size], images=len(ds),
               instances_per_image=round(sum(instances) / len(instances), 2), factors={})
    for k, c in counts.items():
        c = torch.cat(c).float()
        res['factors'][k] = dict(thing_pixels=len(c), share_with_negatives=round(float((c > 0).float().mean()), 4),
                                 mean_negatives=round(float(c.mean()), 3))
        print(f"{k:5s}: {100 * res['factors'][k]['share_with_negatives']:.1f} % of thing pixels have a negative, "
              f"{res['factors'][k]['mean_negatives']:.2f} on average")
    write_json_atomic(res, OUT)
    print(f"{res['images']} images, {res['instances_per_image']} instances per image; wrote {OUT}")

if __name__ == '__main__':
    main()
