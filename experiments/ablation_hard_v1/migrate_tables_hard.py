"""One-off: relabel the committed ablation tables after the default synthetic dataset changed (benchmark v2).

The tables were run on the earlier generator, which is now `--variant hard` (the `synth_hard` preset, byte for byte
the same images) in `data/synth_hard`. The CIAEConfig fields added since (`loss_backend`, `fusion`) do not change
what those runs computed: their defaults ('auto') are the implementations the runs used. This script records that in
each table file, so `51_experiments` reads them as what they are. Run once: `python experiments/ablation_hard_v1/migrate_tables_hard.py`.
"""
import json
from pathlib import Path
from ciae.ablation.plan import config_fields

ADDED = ['loss_backend', 'fusion']
for p in sorted(Path(__file__).parent.glob("table_*.json")):
    tj = json.loads(p.read_text())
    before = dict(tj)
    if tj.get('preset') != 'synth_hard':
        assert [f for f in config_fields() if f not in tj['config_fields']] == ADDED, p
        tj.update(preset='synth_hard', data='data/synth_hard', config_fields=config_fields(),
                  migrated=("run on the earlier generator (now --variant hard, preset synth_hard) as preset 'synth' in "
                            "data/synth; relabelled when v2 became the default; config fields " + ', '.join(ADDED) +
                            " added since, at defaults equal to what the runs used"))
    if 'base_lr' not in tj:                    # the sweep then overrode the preset's learning rate (SWEEP_LR = 2e-3)
        tj['base_lr'] = 0.002
        tj['migrated'] += "; base_lr 0.002 added: the sweep overrode the preset's learning rate with 2e-3 (SWEEP_LR then)"
    if tj != before:
        p.write_text(json.dumps(tj, indent=1) + '\n')
        print(p.name, 'relabelled')
