"""Category- and Instance-Aware pixel Embedding (Gao et al.) for fast panoptic segmentation: a literate, trainable PyTorch reproduction built with nbdev."""

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
