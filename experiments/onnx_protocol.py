"""Why `python -m ciae.bench --onnx` takes turns in blocks: the same two runtimes (eager `CIAE.predict` and the exported
graph in onnxruntime), timed in one process under both protocols, at the synth size and at R50-800. Image by image,
each runtime runs right after the other; in blocks, each settles on one untimed image and then runs the images back
to back (`ciae.bench.time_turns`). Each row gives the medians of both runtimes and their ratio (the bench reports the
median of the per-image ratios instead). Writes experiments/onnx_protocol.json. With --profile instead: where each
runtime spends its time at R50-800 (onnxruntime's own profile by operator type, torch.profiler's by aten op), per
image → experiments/onnx_profile.json.

    python experiments/onnx_protocol.py [--runs 3] [--profile]"""
import argparse, collections, json, statistics, tempfile, time
from pathlib import Path
import torch
from ciae.bench import ONNX_CONFIGS, onnx_bench_model, time_turns
from ciae.deploy.exported import OnnxPanoptic
from ciae.ops.runtime import machine_name
from ciae.speed.inference import bench_image

OUT = Path('experiments/onnx_protocol.json')

def image_by_image(calls: dict, images: list, runs: int) -> dict:
    "The other protocol: the calls alternate on every image; one untimed round first → {name: [seconds]}."
    times = {k: [] for k in calls}
    for r in range(1 + runs):
        for im in images:
            for k, fn in calls.items():
                t0 = time.perf_counter()
                fn(im)
                if r:
                    times[k].append(time.perf_counter() - t0)
    return times

def medians(t: dict) -> dict:
    med = {k: round(1000 * statistics.median(v), 1) for k, v in t.items()}
    return dict(eager_ms=med['eager'], onnx_ms=med['onnx'], ratio=round(med['onnx'] / med['eager'], 3))

def top(times: dict, n: int = 8) -> dict:
    "The n largest entries of {op: ms}, the rest summed as 'other'."
    items = sorted(times.items(), key=lambda kv: -kv[1])
    return {**{k: round(v, 1) for k, v in items[:n]}, 'other': round(sum(v for _, v in items[n:]), 1)}

@torch.no_grad()
def profile(runs: int = 2) -> dict:
    "ms per image by operator type in onnxruntime and by aten op in eager, at R50-800, after one untimed run each."
    import onnxruntime as ort
    from torch.profiler import profile as torch_profile
    tmp = Path(tempfile.mkdtemp())
    model, path = onnx_bench_model('r50', ONNX_CONFIGS['r50'], tmp)
    h, w = ONNX_CONFIGS['r50']
    x = bench_image(h, torch.device('cpu'), seed=0)[..., :w].float().reshape(1, 3, h, w)
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.enable_profiling, so.profile_file_prefix = 2, True, str(tmp / 'ort')
    sess = ort.InferenceSession(str(path), so, providers=['CPUExecutionProvider'])
    for _ in range(1 + runs):                          # the first run (untimed warm-up) is left out below
        sess.run(None, {'image': x.numpy()})
    events = json.loads(Path(sess.end_profiling()).read_text())
    first = min((e for e in events if e['name'] == 'model_run'), key=lambda e: e['ts'])
    ort_ms = collections.Counter()
    for e in events:
        if e.get('cat') == 'Node' and e['name'].endswith('_kernel_time') and e['ts'] > first['ts'] + first['dur']:
            ort_ms[e['args']['op_name']] += e['dur'] / 1e3 / runs
    model.predict(x)
    with torch_profile() as prof:
        for _ in range(runs):
            model.predict(x)
    eager_ms = {e.key: e.self_cpu_time_total / 1e3 / runs for e in prof.key_averages()}
    return dict(size=[h, w], onnxruntime_ms=top(ort_ms), onnxruntime_total_ms=round(sum(ort_ms.values()), 1),
                eager_ms=top(eager_ms), eager_total_ms=round(sum(eager_ms.values()), 1))

@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--profile', action='store_true')
    a = ap.parse_args()
    torch.set_num_threads(2)
    env = dict(machine=machine_name(torch.device('cpu')), threads=2, torch=torch.__version__)
    if a.profile:
        p = Path('experiments/onnx_profile.json')
        p.write_text(json.dumps(dict(**env, **profile()), indent=1) + '\n')
        return print(p.read_text())
    rows, tmp = [], Path(tempfile.mkdtemp())
    for name, (h, w) in ONNX_CONFIGS.items():                 # the models and images of bench_onnx
        model, path = onnx_bench_model(name, (h, w), tmp)
        onnx = OnnxPanoptic(path, threads=2, spin=False)
        ims = [bench_image(h, torch.device('cpu'), seed=i)[..., :w].float() for i in range(2)]
        calls = dict(eager=lambda im: model.predict(im), onnx=lambda im: onnx.predict(im))
        for protocol in ('image by image', 'blocks', 'image by image', 'blocks'):   # twice each, alternating
            t = image_by_image(calls, ims, a.runs) if protocol == 'image by image' else time_turns(calls, ims, a.runs)
            rows.append(dict(config=name, size=[h, w], protocol=protocol, **medians(t)))
            print(rows[-1], flush=True)
    OUT.write_text(json.dumps(dict(**env, runs=a.runs, images=2, rows=rows), indent=1) + '\n')

if __name__ == '__main__':
    main()
