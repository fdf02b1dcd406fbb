"""Build the documentation pages offline: one HTML page per notebook in nbs/, in the reading order of nbs/sidebar.yml, with a sidebar, and the
README as the landing page. `python tools/build_docs.py [--out _site]`.

nbdev's own `nbdev-docs` renders through Quarto, which cannot be installed without internet access (PyPI's quarto-cli
downloads its binary at install time). This builder needs only the dev install: nbconvert renders the notebooks
(outputs and pictures embedded), and the LaTeX of the markdown cells is converted to MathML with latex2mathml, which
browsers display natively, so the pages need no script and no network. nbdev's config (nbs/_quarto.yml,
sidebar.yml) stays for people who have Quarto."""
from __future__ import annotations
import argparse, html, re, shutil
from pathlib import Path
import nbformat
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter
import mistune

ROOT = Path(__file__).resolve().parents[1]
DISPLAY = re.compile(r'\$\$(.+?)\$\$', re.S)
INLINE = re.compile(r'(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)')
CSS = """
body { margin: 0; }
#ciae-nav { position: fixed; top: 0; left: 0; bottom: 0; width: 250px; overflow-y: auto; padding: 16px 12px;
            background: #f6f8fa; border-right: 1px solid #ddd; font: 14px/1.45 system-ui, sans-serif; box-sizing: border-box; }
#ciae-nav a { display: block; padding: 3px 6px; color: #0b4f8a; text-decoration: none; border-radius: 4px; }
#ciae-nav a:hover { background: #e6eef6; }
#ciae-nav .part { font-weight: 700; margin: 12px 6px 4px; color: #333; }
#ciae-nav a.current { background: #0b4f8a; color: white; }
#ciae-nav .title { font-weight: 700; font-size: 18px; margin: 0 6px 10px; }
#ciae-main { margin-left: 250px; padding: 12px 28px; max-width: 1150px; }
math[display="block"] { margin: 0.6em 0; font-size: 1.1em; }
.ciae-tex-fallback { color: #a00; }
#ciae-main img { max-width: 100%; height: auto; }
.ciae-landing { font: 15px/1.55 system-ui, sans-serif; color: #1f2328; }
.ciae-landing table { border-collapse: collapse; margin: 0.6em 0; }
.ciae-landing th, .ciae-landing td { border: 1px solid #d0d7de; padding: 3px 9px; }
.ciae-landing th { background: #f6f8fa; }
.ciae-landing pre { background: #f6f8fa; padding: 10px; overflow-x: auto; border-radius: 6px; }
.ciae-landing code { font-size: 0.9em; }
"""


def tex(latex: str, display: bool) -> str:
    "LaTeX → MathML (the raw LaTeX, marked, where latex2mathml cannot convert it)."
    try: return latex_to_mathml(latex.strip(), display='block' if display else 'inline')
    except Exception: return f'<code class="ciae-tex-fallback">{html.escape(latex)}</code>'


def math_to_mathml(md: str) -> str:
    "Replace $$…$$ and $…$ in a markdown text (outside code spans and fences) by MathML."
    parts = re.split(r'(```.*?```|`[^`\n]*`)', md, flags=re.S)          # leave code alone
    for i in range(0, len(parts), 2):
        p = DISPLAY.sub(lambda m: '\n\n' + tex(m.group(1), True) + '\n\n', parts[i])
        parts[i] = INLINE.sub(lambda m: tex(m.group(1), False), p)
    return ''.join(parts)


def directives(src: str) -> dict:
    return dict(re.findall(r'^#\|\s*([\w-]+):?\s*(.*)$', src, re.M))


def prepare(nb):
    "Drop hidden and default_exp cells and the directive lines; math to MathML in markdown cells."
    cells = []
    for c in nb.cells:
        if c.cell_type == 'code':
            d = directives(c.source)
            if 'hide' in d or 'default_exp' in d or d.get('include') == 'false': continue
            c.source = re.sub(r'^#\|.*\n?', '', c.source, flags=re.M)
            c.outputs = [o for o in c.outputs if not (o.output_type == 'stream' and o.name == 'stderr')]
        elif c.cell_type == 'markdown':
            c.source = math_to_mathml(c.source)
        c.metadata.pop('execution', None)
        cells.append(c)
    nb.cells = cells
    return nb


def page_title(nb, fallback: str) -> str:
    for c in nb.cells:
        if c.cell_type == 'markdown' and c.source.startswith('# '): return c.source.splitlines()[0][2:].strip()
    return fallback


def with_nav(doc: str, nav: str, title: str) -> str:
    "Wrap a page's body with the sidebar, add the style and the title."
    doc = re.sub(r'<title>.*?</title>', f'<title>{html.escape(title)} · ciae</title>', doc, count=1, flags=re.S)
    doc = doc.replace('</head>', f'<style>{CSS}</style></head>', 1)
    doc = re.sub(r'<body([^>]*)>', lambda m: f'<body{m.group(1)}>{nav}<div id="ciae-main">', doc, count=1)
    return doc.replace('</body>', '</div></body>', 1)


def nav_html(pages: list, current: str) -> str:
    "The sidebar: (file, title) pages, and (None, heading) for the start of a part of the reading order."
    links = ''.join(f'<div class="part">{html.escape(t)}</div>' if f is None else
                    f'<a href="{f}"{" class=current" if f == current else ""}>{html.escape(t)}</a>' for f, t in pages)
    return f'<nav id="ciae-nav"><div class="title">ciae</div>{links}</nav>'


def reading_order(nbs: Path) -> list:
    """The notebooks in the reading order of nbs/sidebar.yml, [(part heading or None, notebook stem)]; a notebook the
    sidebar does not list comes last, under no heading."""
    import yaml
    order = []
    for item in yaml.safe_load((nbs / 'sidebar.yml').read_text())['website']['sidebar']['contents']:
        if isinstance(item, dict):
            order += [(item['section'] if k == 0 else None, Path(f).stem) for k, f in enumerate(item['contents'])]
        elif Path(item).stem != 'index':
            order.append((None, Path(item).stem))
    listed = {s for _, s in order}
    return order + [(None, p.stem) for p in sorted(nbs.glob('*.ipynb'))
                    if p.stem not in listed and not p.name.startswith('_') and p.stem != 'index']


def build(out: Path, nbs: Path = ROOT / 'nbs', readme: Path = ROOT / 'README.md') -> list:
    "Write one page per notebook and index.html (the README) into `out`; returns the page file names."
    out.mkdir(parents=True, exist_ok=True)
    order = reading_order(nbs)
    parsed = [(part, nbs / f'{stem}.ipynb', nbformat.read(nbs / f'{stem}.ipynb', as_version=4)) for part, stem in order]
    pages = [('index.html', 'Overview (README)')]
    for part, p, nb in parsed:
        pages += [(None, part)] if part else []
        pages.append((p.stem + '.html', f'{p.stem[:3].rstrip("_")} · {page_title(nb, p.stem)}'))
    exporter = HTMLExporter(template_name='lab')
    exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    for (_, p, nb), (fname, title) in zip(parsed, [pg for pg in pages[1:] if pg[0] is not None]):
        body, _ = exporter.from_notebook_node(prepare(nb))
        (out / fname).write_text(with_nav(body, nav_html(pages, fname), title))
    md = mistune.create_markdown(escape=False, plugins=['table'])
    text = re.sub(r'<!--.*?-->', '', readme.read_text(), flags=re.S)
    landing = f'<!doctype html><html><head><meta charset="utf-8"><title>ciae</title></head><body><div class="ciae-landing">{md(math_to_mathml(text))}</div></body></html>'
    (out / 'index.html').write_text(with_nav(landing, nav_html(pages, 'index.html'), 'Overview'))
    if (readme.parent / 'README_files').is_dir():
        shutil.copytree(readme.parent / 'README_files', out / 'README_files', dirs_exist_ok=True)
    return [f for f, _ in pages if f is not None]


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(ROOT / '_site'), help='output folder (default: _site)')
    a = ap.parse_args()
    names = build(Path(a.out))
    print(f"wrote {len(names)} pages to {a.out}; open {Path(a.out) / 'index.html'}")
