"""Category- and Instance-Aware pixel Embedding (Gao et al.) for fast panoptic segmentation: a literate, trainable PyTorch reproduction built with nbdev.

Modules:

- `ciae.ablate`: The sweep: every row of the chosen tables trained and evaluated once per seed, `--jobs` at a time, each table file rewritten as its runs finish, so a stopped sweep resumes; and its command line.
- `ciae.ablation.plan`: The paper's ablation tables as rows of config overrides, with the paper's numbers, the schedule every row shares, and the jobs (training runs and oracle evaluations) a set of tables needs (`python -m ciae.ablate`, notebook 50c).
- `ciae.ablation.runs`: Each job of the sweep as a subprocess with its record kept, the table files they fill, and our table beside the paper's (`python -m ciae.ablate`, notebook 50c).
- `ciae.bench`: The benchmark's command line: its sections in one process, each table printed and saved as soon as it is measured; and the compiled mode.
- `ciae.data.coco`: Reading the format real users have: categories, the validator, and the per-image targets of the CIAE loss and the detector.
- `ciae.data.panoptic_io`: The files of the COCO panoptic format in one place: images and id PNGs in; prediction and ground-truth PNGs, JSON and logs out.
- `ciae.data.synth`: The embedded default: a generator that writes train and val splits in exact COCO panoptic format, whose difficulty is where CIAE is tested: touching instances of one class.
- `ciae.data.transforms`: Resize the shorter side with scale jitter, flip, and pad a batch to a multiple of 32, keeping image, maps and boxes aligned.
- `ciae.demo`: `python -m ciae.demo`: learn a free embedding map for a toy scene with the CIAE loss, assign pixels, and score it with the official PQ.
- `ciae.deploy.exported`: The detector's candidate selection and NMS with fixed sizes, the eq. 16 fusion and its arg-max, exported with `torch.onnx.export(dynamo=True)` for any image size, and run with onnxruntime.
- `ciae.deploy.sync_free`: The detector and the eq. 16 fusion with no host synchronisation from the image to the outputs: a fixed-size greedy NMS, a count of the ops that make a GPU wait, and the whole inference under `torch.compile`.
- `ciae.engine.checkpoint`: Atomic, `weights_only`-loadable checkpoints holding everything a run needs to continue exactly, or a user needs to predict.
- `ciae.engine.config`: The paper's recipes (Sections IV, V-C, V-E) and the embedded CPU default as presets; any field can be overridden from the command line; the linear scaling rule for other batch sizes.
- `ciae.engine.evaluate`: `python -m ciae.evaluate`: checkpoint + dataset split → COCO-panoptic predictions on disk → the official PQ table, per-class results, and Table IX-style network and fusion times.
- `ciae.engine.hooks`: What happens around the steps of a run: the non-finite check, metrics and logs, checkpoints, evaluation and pictures, each a small object the loop calls.
- `ciae.engine.launch`: Processes and devices (`torchrun` DDP, mixed precision), the data stream that makes resume exact, and the dataset a run asks for.
- `ciae.engine.pq`: Equation 17: PQ = SQ × RQ, explained on a hand-made example and computed with the official COCO panoptic evaluator.
- `ciae.engine.train`: `python -m ciae.train`: the embedded synthetic default with no arguments, the paper's COCO recipes as presets, single process or `torchrun` DDP, exact resume, and a clean stop on a non-finite loss.
- `ciae.evaluate`: `python -m ciae.evaluate`: the command-line tool; the evaluation itself lives in `ciae.engine.evaluate` (the evaluation notebook).
- `ciae.loss.ciae_loss`: Equations 10–12: category- and instance-aware triplet losses on one embedding map, with memory queries and box filtering.
- `ciae.loss.gpu_kernels`: Eqs. 3–9 for a whole batch in Triton kernels that never build the pixels × queries matrix in memory and add segment sums without contention; the PyTorch versions stay the reference.
- `ciae.model.backbone`: Section IV-A and Fig. 3: a ResNet or ResNeXt with a feature pyramid from 1/4 to 1/128 of the input, built from torchvision parts.
- `ciae.model.ciae`: Fig. 3 and Section IV: backbone, proposal head and embedding branch; training losses (eq. 15) and panoptic inference (IV-C), with the oracle of Table IV and Table IX-style timing.
- `ciae.model.embedding_branch`: Section IV-A and Fig. 3: Panoptic-FPN's semantic branch on P2–P5 with CoordConv, fused with the box embeddings of P3–P7, gives the pixel embedding map P.
- `ciae.model.fast_inference`: Three shortcuts that leave the result as it was: eq. 16 computed from the 1/4-scale embedding map, batch norm folded into the convolutions, and the channels-last layout (`CIAE.optimize_for_inference`).
- `ciae.model.fusion`: Section IV-C and eq. 16: every pixel goes to the stuff class or detected instance whose query embedding it is most similar to.
- `ciae.model.fusions`: Eq. 16 run four ways (the literal map, the exact 1/4-scale assignment, Table IV's oracle, the box-only baseline), each an object a model is built with (`CIAEConfig.fusion`) or given per call (`CIAE.predict(fusion=...)`).
- `ciae.model.proposal_head`: Section IV-A and eq. 15: a shared head on P3–P7 predicts box classes, center-ness, boxes and box embeddings; positives are locations inside ground-truth *masks*.
- `ciae.ops.runtime`: The ground floor a run stands on: `--device` names, autocast switched off for the losses, means over DDP ranks, and files written atomically.
- `ciae.ops.segments`: Equations 3–4: the mean direction of the pixel embeddings of each category and of each segment; the id conventions of category and segment maps.
- `ciae.predict`: `python -m ciae.predict`: a checkpoint and image files or folders → COCO-panoptic PNG + JSON and overlay pictures, robust to odd inputs.
- `ciae.speed.inference`: ciae R50-FPN side by side with torchvision's FCOS and Mask R-CNN on the same images, in one process, as ratios: sizes, stages, the fusion and ciae's optimisations one at a time (`python -m ciae.bench`, notebook 40c).
- `ciae.speed.training`: One training step of ciae next to FCOS with the same backbone, batch and input size, on synthetic or COCO-like batches (`python -m ciae.bench --train`, notebook 40c).
- `ciae.toy`: A tiny hand-drawn panoptic scene in the paper's id conventions, used by every worked example and test. Its pictures are drawn with `ciae.viz` (13_viz).
- `ciae.viz`: Every drawing helper: id maps, embeddings as RGB, label positions, dataset samples with their targets, and predictions."""

__version__ = "0.0.1"

# The public API: `from ciae import CIAE, train, ...`. Each name is imported from its module on first use (PEP 562), so
# `import ciae` stays light (no torch): `ciae.testing` runs in nbdev-test's parent process before the workers start.
# Note that `ciae.train` is also the command-line module (`python -m ciae.train`): once something imports that
# module, the package attribute `ciae.train` names the module; `from ciae import train` and `ciae.engine.train.train`
# are the function in any case.
import importlib

_API = {
    'ciae.model.ciae': ('CIAE', 'CIAEConfig'),
    'ciae.loss.ciae_loss': ('CIAELoss', 'ciae_loss'),
    'ciae.engine.config': ('TrainConfig', 'get_preset', 'apply_overrides'),
    'ciae.engine.train': ('train', 'Trainer'),
    'ciae.engine.hooks': ('HookBase',),
    'ciae.engine.checkpoint': ('load_model', 'load_checkpoint'),
    'ciae.engine.evaluate': ('evaluate_split',),
    'ciae.engine.pq': ('evaluate_pq', 'pq_table'),
    'ciae.engine.timing': ('SyncTimer',),
    'ciae.predict': ('predict_images',),
    'ciae.data.coco': ('CocoPanoptic',),
    'ciae.data.synth': ('make_synthetic',),
    'ciae.data.transforms': ('train_transform', 'test_transform', 'collate'),
    'ciae.viz': ('show_prediction',),
}
_WHERE = {name: module for module, names in _API.items() for name in names}
__all__ = ['__version__', *_WHERE]

def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'ciae' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value                                                  # imported once
    return value

def __dir__() -> list: return sorted({*globals(), *_WHERE})
