"""The exported model against the eager one on a trained checkpoint: agreement on a val split (pixels with the same
panoptic id, PQ of each) and speed (onnxruntime against eager PyTorch on the CPU, one image at a time, taking turns
in one process). Writes experiments/export_check.json.

    python experiments/export_check.py RUN [--images 100] [--r50]

RUN is a training run folder (its last checkpoint, data and val split are used). --r50 also times a random-weight
R50-FPN at 800 × 1066 (the paper's test size), exported the same way. Agreement needs trained weights; speed does not."""
import argparse, json, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from PIL import Image
from ciae.data.coco import CocoPanoptic
from panopticapi.utils import rgb2id
from ciae.data.transforms import collate, test_transform
from ciae.deploy.exported import OnnxPanoptic, export_onnx
from ciae.engine.checkpoint import load_model
from ciae.model.ciae import CIAE, CIAEConfig
from ciae.ops.runtime import machine_name
from ciae.bench import time_turns

OUT = Path('experiments/export_check.json')

def sh(*args) -> None:
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def agreement(run: Path, onnx: Path, tmp: Path, images: int) -> dict:
    "Both models evaluated by `python -m ciae.evaluate` on the run's val split: PQ each, and pixels with the same id."
    res = {}
    for name, src in (('eager', ['--checkpoint', str(run)]), ('onnx', ['--onnx', str(onnx)])):
        sh('-m', 'ciae.evaluate', *src, '--output', str(tmp / name), '--max-images', str(images), '--device', 'cpu')
        rep = next((tmp / name).glob('pq_*.json'))
        r = json.loads(rep.read_text())
        res[name] = {k: round(100 * r[k]['pq'], 2) for k in ('All', 'Things', 'Stuff')}
    same = total = 0
    for png in sorted((tmp / 'eager').glob('predictions/panoptic_*/*.png')):
        a = rgb2id(np.asarray(Image.open(png)))
        b = rgb2id(np.asarray(Image.open(tmp / 'onnx' / png.relative_to(tmp / 'eager'))))
        same, total = same + int((a == b).sum()), total + a.size
    res['pixels_same'] = round(same / total, 6)
    res['images'] = images
    return res

def speed(model, onnx: OnnxPanoptic, images: list, runs: int = 3) -> dict:
    "Median ms per image of eager `predict` (its default fusion) and of the exported file, taking turns (`time_turns`)."
    with torch.no_grad():
        t = time_turns(dict(eager=lambda im: model.predict(im), onnx=lambda im: onnx.predict(im)), images, runs)
    med = {k: round(1000 * statistics.median(v), 1) for k, v in t.items()}
    return dict(eager_ms=med['eager'], onnx_ms=med['onnx'], ratio=round(med['onnx'] / med['eager'], 3),
                size=list(images[0].shape[-2:]), images=len(images), runs=runs)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('run')
    ap.add_argument('--images', type=int, default=100)
    ap.add_argument('--r50', action='store_true')
    a = ap.parse_args()
    torch.set_num_threads(2)
    run, tmp = Path(a.run), Path(tempfile.mkdtemp())
    model, meta = load_model(run, 'cpu', optimize=True)
    cfg = meta['config']
    onnx_path = tmp / 'model.onnx'
    sh('-m', 'ciae.export', '--checkpoint', str(run), '--output', str(onnx_path))
    onnx = OnnxPanoptic(onnx_path, threads=2)
    res = dict(run=str(run), machine=machine_name(), torch=torch.__version__, threads=2,
               made=time.strftime('%Y-%m-%dT%H:%M:%S'), file_mb=round(onnx_path.stat().st_size / 1e6, 1))
    res['agreement'] = agreement(run, onnx_path, tmp, a.images)
    ds = CocoPanoptic(cfg['data'], cfg['val_split'], transforms=test_transform(cfg['input']['test_short'],
                                                                               cfg['input']['test_max']))
    ims = [collate([ds[i]])['images'] for i in range(8)]
    res['speed'] = [dict(model='synth preset (R18-FPN), trained', **speed(model, onnx, ims))]
    if a.r50:
        torch.manual_seed(0)
        r50 = CIAE(CIAEConfig(num_stuff=53, num_thing=80)).eval().optimize_for_inference()
        cats = [dict(id=i + 1, name=f'c{i}', isthing=int(i >= 53)) for i in range(133)]
        path = export_onnx(r50, tmp / 'r50.onnx', cats, example_size=(801, 1067))
        big = [torch.rand(1, 3, 800, 1066, generator=torch.Generator().manual_seed(i)) * 255 for i in range(2)]
        res['speed'].append(dict(model='R50-FPN, random weights', **speed(r50, OnnxPanoptic(path, threads=2), big, 2)))
    OUT.write_text(json.dumps(res, indent=1) + '\n')
    print(json.dumps(res, indent=1))

if __name__ == '__main__':
    main()
