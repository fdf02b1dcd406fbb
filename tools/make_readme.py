"""Build README.md (and README_files/) from nbs/index.ipynb, honouring nbdev's `#| hide` and `#| echo: false`.

nbdev's own `nbdev-readme` renders through Quarto, which cannot be installed without internet access,
so this does the same job with nbconvert. Run from the repository root after executing the notebook
(`nbdev-test nbs/index.ipynb --flags slow --save` keeps its outputs): `python tools/make_readme.py`."""
import re
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter
from nbconvert.preprocessors import TagRemovePreprocessor

def directives(src): return dict(re.findall(r'^#\|[ \t]*([\w-]+):?[ \t]*(.*)$', src, re.M))

nb = nbformat.read('nbs/index.ipynb', as_version=4)
cells = []
for c in nb.cells:
    c.metadata.pop('execution', None)             # timing that `nbdev-test --save` may record; not valid nbformat
    if c.cell_type == 'code':
        d = directives(c.source)
        if 'hide' in d or 'default_exp' in d or d.get('include') == 'false': continue
        if d.get('echo') == 'false': c.metadata.setdefault('tags', []).append('remove_input')
        c.source = re.sub(r'^#\|.*\n?', '', c.source, flags=re.M)
        c.outputs = [o for o in c.outputs if not (o.output_type == 'stream' and o.name == 'stderr')]
    cells.append(c)
nb.cells = cells
exp = MarkdownExporter()
exp.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}, enabled=True), enabled=True)
body, res = exp.from_notebook_node(nb, resources={'output_files_dir': 'README_files'})
for name, data in res.get('outputs', {}).items():
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    Path(name).write_bytes(data)
Path('README.md').write_text('<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->\n\n'
                             + body.strip() + '\n')
print('wrote README.md', *res.get('outputs', {}))
