"""Static HTML reports of a run directory.

Every analysis that wants a place in the report writes a **section manifest**,
``<run>/analyses/<name>/section.json``, with :func:`write_section`. A manifest holds a title,
an order key and a list of blocks; the files the blocks name live beside it::

    {"title": "Kernel motifs", "order": 30, "blocks": [
        {"type": "text", "text": "..."},
        {"type": "metrics", "data": {"matched kernels": 166}},
        {"type": "table", "path": "matches.tsv", "max_rows": 50},
        {"type": "image", "path": "logo.png", "caption": "..."},
        {"type": "gallery", "items": [{"image": "logos/M0.png", "caption": "M0", "link": "..."}]},
        {"type": "plotly", "path": "similarity.plotly.json"},
        {"type": "link", "path": "gallery.html", "text": "open the gallery",
         "copy_dir": "(optional) a folder to copy with it, e.g. the gallery's images"},
        {"type": "files", "paths": ["motifs.meme"]}]}

:func:`render_report` turns a run directory into a static site: ``index.html`` (model card,
training curves, metrics next to the published numbers) and one page per section. Plotly's
JavaScript is copied next to the pages, so the report works offline. Every string that
comes from a file (motif names, target labels, table cells) is HTML-escaped by jinja2's
autoescaping; a missing section is left out, a block whose file is missing is reported
as missing instead of breaking the page.

May import: :mod:`motifscope.core`, :mod:`~motifscope.io`, :mod:`~motifscope.runs` and
:mod:`~motifscope.plot`; never an analysis (it renders what they wrote).
"""

from __future__ import annotations

import csv
import html
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from motifscope.core.atomic import atomic_write_text
from motifscope.core.errors import RunDirError
from motifscope.report.blocks import as_dict
from motifscope.runs.directory import read_history

__all__ = [
    "Section",
    "read_section",
    "render_index",
    "render_report",
    "script_json",
    "write_section",
]

_BLOCK_TYPES = {"text", "metrics", "table", "image", "gallery", "plotly", "link", "files"}


def write_section(directory, *, title: str, blocks: list[dict], order: int = 50, summary: str = "") -> Path:
    """Write a section manifest that :func:`render_report` will render.

    Parameters
    ----------
    directory : str or pathlib.Path
        The analysis directory (``<run>/analyses/<name>``); block paths are relative to it.
    title : str
        Section title (shown in the navigation).
    blocks : list of Block or dict
        Typed blocks (:mod:`motifscope.report.blocks`) or their JSON form as described in
        the module docstring.
    order : int
        Sort key of the section among the run's sections (smaller first).
    summary : str
        One line shown on the index page.

    Returns
    -------
    pathlib.Path
        The path of ``section.json``.
    """

    directory = Path(directory)
    blocks = [as_dict(b) for b in blocks]
    for i, b in enumerate(blocks):
        if b.get("type") not in _BLOCK_TYPES:
            raise ValueError(f"block {i} has type {b.get('type')!r}; expected one of {sorted(_BLOCK_TYPES)}")
    path = directory / "section.json"
    atomic_write_text(
        path, json.dumps({"title": title, "order": order, "summary": summary, "blocks": blocks}, indent=1, default=str)
    )
    return path


@dataclass
class Section:
    """A section found in a run directory.

    Parameters
    ----------
    name : str
        Directory name of the analysis (also the page's file stem).
    title : str
        Title.
    order : int
        Sort key.
    summary : str
        One-line summary.
    blocks : list of dict
        Blocks with paths relative to ``directory``.
    directory : pathlib.Path
        The analysis directory.
    """

    name: str
    title: str
    order: int
    summary: str
    blocks: list
    directory: Path
    rendered: list = field(default_factory=list)
    root: Path | None = None

    @property
    def manifest(self) -> Path:
        """The section's ``section.json`` (named in error messages)."""
        return self.directory / "section.json"

    def resolve(self, rel) -> Path:
        """``directory / rel`` resolved (symbolic links followed), refused if it leaves
        :attr:`root` (the run directory): a report never reads or publishes files from
        outside the run it renders.

        Raises
        ------
        RunDirError
            If ``rel`` is not a string or points outside the run directory.
        """
        if not isinstance(rel, str) or not rel:
            raise RunDirError(f"{self.manifest}: a block path is {rel!r}; expected a file name "
                              f"relative to {self.directory}")
        root = (self.root or self.directory).resolve()
        src = (self.directory / rel).resolve()
        if src != root and root not in src.parents:
            raise RunDirError(f"{self.manifest}: block path {rel!r} points outside the run "
                              f"directory {root}; expected a file inside it")
        return src


def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("motifscope.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _read_table(path: Path, max_rows: int):
    delim = "\t" if path.suffix in (".tsv", ".tab", ".txt") else ","
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh, delimiter=delim))
    except (UnicodeDecodeError, csv.Error) as e:
        raise RunDirError(f"{path}: not a UTF-8 {'TSV' if delim != ',' else 'CSV'} table "
                          f"({type(e).__name__}: {str(e)[:120]})") from None
    if not rows:
        return [], [], 0
    header, body = rows[0], rows[1:]
    n = len(body)
    out = []
    for r in body[:max_rows]:
        cells = []
        for c in r:
            try:
                v = float(c)
                cells.append(f"{v:.4g}" if (v != int(v) or abs(v) >= 1e6) else c)
            except ValueError:
                cells.append(c)
        out.append(cells)
    return header, out, n


class _Copier:
    """Copies a section's files into the site, keeping names unique and safe."""

    def __init__(self, site: Path, section: Section):
        self.site = site
        self.section = section
        self.rel = Path("files") / _safe(section.name)
        (site / self.rel).mkdir(parents=True, exist_ok=True)
        self.missing: list[str] = []

    def __call__(self, src_dir: Path, rel: str) -> str | None:
        src = self.section.resolve(rel)
        if not src.is_file():
            self.missing.append(rel)
            return None
        dest_rel = self.rel / Path(*[_safe(p) for p in Path(rel).parts])
        dest = self.site / dest_rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists() or dest.stat().st_mtime < src.stat().st_mtime:
            shutil.copy2(src, dest)
        return dest_rel.as_posix()


def _tree(self, src_dir: Path, rel: str) -> None:
    """Copy a whole folder (e.g. a gallery with its images), keeping relative links."""
    src = self.section.resolve(rel)
    if not src.is_dir():
        self.missing.append(rel + "/")
        return
    for f in src.rglob("*"):
        if f.is_file() and f.suffix.lower() in {".html", ".png", ".svg", ".jpg", ".css", ".js",
                                                 ".meme", ".tsv", ".json", ".txt"}:
            self(src_dir, str(f.relative_to(src_dir.resolve())))


_Copier.tree = _tree


def _safe(name: str) -> str:
    keep = "".join(c if (c.isalnum() or c in "-_.") else "_" for c in str(name))
    return keep.strip(".") or "_"


def script_json(text: str, path) -> str:
    """JSON text made safe to place inside a ``<script type="application/json">`` block.

    The text is parsed (so it must be valid JSON) and written again with ``<``, ``>`` and
    ``&`` as ``\\u`` escapes, so nothing in it (``</script>``, ``<!--<script``) can end or
    change the block.

    Raises
    ------
    RunDirError
        If ``text`` is not JSON; the message names ``path``.
    """
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise RunDirError(f"{path}: not valid JSON ({str(e)[:120]})") from None
    out = json.dumps(obj, allow_nan=True, separators=(",", ":"))
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise RunDirError(f"{path}: not UTF-8 text (byte {e.start})") from None


def _check_paths(section: Section) -> None:
    """Resolve every path a section names (raises for one outside the run directory)."""
    for b in section.blocks:
        for key in ("path", "copy_dir"):
            if b.get(key):
                section.resolve(b[key])
        for p in b.get("paths", []) if isinstance(b.get("paths"), list) else []:
            section.resolve(p)
        for it in b.get("items", []) if b.get("type") == "gallery" else []:
            for key in ("image", "link"):
                if it.get(key):
                    section.resolve(it[key])


def _render_blocks(section: Section, site: Path) -> list[dict]:
    copy = _Copier(site, section)
    out = []
    for i, b in enumerate(section.blocks):
        t = b.get("type")
        r = {"type": t, "caption": b.get("caption", ""), "title": b.get("title", "")}
        if t == "text":
            r["paragraphs"] = [p for p in str(b.get("text", "")).split("\n\n") if p.strip()]
        elif t == "metrics":
            r["items"] = [(k, _fmt(v)) for k, v in dict(b.get("data", {})).items()]
        elif t == "table":
            src = section.resolve(b.get("path"))
            if not src.is_file():
                copy.missing.append(b["path"])
                continue
            r["header"], r["rows"], r["n"] = _read_table(src, b.get("max_rows", 50))
            r["href"] = copy(section.directory, b["path"])
        elif t == "image":
            r["src"] = copy(section.directory, b.get("path"))
            r["alt"] = b.get("alt", b.get("caption", b["path"]))
            if r["src"] is None:
                continue
        elif t == "gallery":
            items = []
            for it in b.get("items", []):
                src = copy(section.directory, it["image"]) if it.get("image") else None
                link = copy(section.directory, it["link"]) if it.get("link") else None
                items.append({"src": src, "caption": it.get("caption", ""), "subtitle": it.get("subtitle", ""), "link": link})
            r["items"] = items
        elif t == "plotly":
            src = section.resolve(b.get("path"))
            if not src.is_file():
                copy.missing.append(b["path"])
                continue
            r["div"] = f"plot-{_safe(section.name)}-{i}"
            r["json"] = script_json(_read_text(src), src)
        elif t == "link":
            if b.get("copy_dir"):
                copy.tree(section.directory, b["copy_dir"])
            r["href"] = copy(section.directory, b.get("path"))
            r["text"] = b.get("text", b["path"])
            if r["href"] is None:
                continue
        elif t == "files":
            paths = b.get("paths", [])
            if not isinstance(paths, list):
                raise RunDirError(f"{section.manifest}: block {i} 'paths' is "
                                  f"{type(paths).__name__}; expected a list of file names")
            r["files"] = [(p, copy(section.directory, p)) for p in paths]
            r["files"] = [(p, h) for p, h in r["files"] if h]
        out.append(r)
    if copy.missing:
        out.append({"type": "missing", "files": copy.missing})
    return out


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.4g}"
    return v


def _sections(run_dir: Path) -> list[Section]:
    found = []
    adir = run_dir / "analyses"
    if not adir.is_dir():
        return found
    for p in sorted(adir.glob("*/section.json")):
        found.append(read_section(p, root=run_dir))
    return sorted(found, key=lambda s: (s.order, s.name))


_BLOCK_FIELDS = {  # field: (accepted types, what to say)
    "type": (str, "one of " + ", ".join(sorted(_BLOCK_TYPES))),
    "title": (str, "a string"), "caption": (str, "a string"), "text": (str, "a string"),
    "alt": (str, "a string"), "subtitle": (str, "a string"), "path": (str, "a file name"),
    "copy_dir": (str, "a folder name"), "data": (dict, "an object of name: value"),
    "items": (list, "a list of objects"), "paths": (list, "a list of file names"),
}


def read_section(path, *, root=None) -> Section:
    """Read and check one ``section.json`` manifest.

    Parameters
    ----------
    path : str or pathlib.Path
        The manifest.
    root : str or pathlib.Path or None
        The folder its block paths must stay inside (the run directory); default the
        manifest's own folder.

    Returns
    -------
    Section
        The section (not rendered).

    Raises
    ------
    RunDirError
        If the file is not UTF-8 JSON, or a field has the wrong type or value; the message
        names the file and the field.
    """
    p = Path(path)
    try:
        d = json.loads(_read_text(p))
    except (OSError, json.JSONDecodeError, RecursionError) as e:
        raise RunDirError(f"{p}: not a valid section manifest ({str(e)[:120]})") from None
    if not isinstance(d, dict):
        raise RunDirError(f"{p}: holds a JSON {type(d).__name__}; expected an object with "
                          f"title, order and blocks")
    title, summary = d.get("title", p.parent.name), d.get("summary", "")
    order, blocks = d.get("order", 50), d.get("blocks", [])
    for key, value, ok, want in (("title", title, isinstance(title, str), "a string"),
                                 ("summary", summary, isinstance(summary, str), "a string"),
                                 ("order", order, isinstance(order, (int, float))
                                  and not isinstance(order, bool) and abs(order) < 1e9,
                                  "a number"),
                                 ("blocks", blocks, isinstance(blocks, list), "a list")):
        if not ok:
            raise RunDirError(f"{p}: '{key}' is {type(value).__name__} {str(value)[:40]!r}; "
                              f"expected {want}")
    for i, b in enumerate(blocks):
        if not isinstance(b, dict):
            raise RunDirError(f"{p}: block {i} is {type(b).__name__}; expected an object "
                              f"with a 'type'")
        for key, (types, want) in _BLOCK_FIELDS.items():
            if key in b and not isinstance(b[key], types):
                raise RunDirError(f"{p}: block {i} '{key}' is {type(b[key]).__name__} "
                                  f"{str(b[key])[:40]!r}; expected {want}")
        if b.get("type") not in _BLOCK_TYPES:
            raise RunDirError(f"{p}: block {i} has type {b.get('type')!r}; expected "
                              f"{_BLOCK_FIELDS['type'][1]}")
        if "max_rows" in b and (not isinstance(b["max_rows"], int) or isinstance(b["max_rows"], bool)
                                or b["max_rows"] < 0):
            raise RunDirError(f"{p}: block {i} 'max_rows' is {b['max_rows']!r}; expected an "
                              f"integer >= 0")
        for j, it in enumerate(b.get("items", []) if b.get("type") == "gallery" else []):
            if not isinstance(it, dict) or not all(
                    isinstance(it.get(k, ""), str) for k in ("image", "link", "caption", "subtitle")):
                raise RunDirError(f"{p}: block {i} item {j} is {str(it)[:40]!r}; expected an "
                                  f"object of strings (image, link, caption, subtitle)")
        if b.get("type") in ("table", "image", "plotly", "link") and not b.get("path"):
            raise RunDirError(f"{p}: block {i} ({b['type']}) has no 'path'; expected a file name")
    return Section(p.parent.name, title, int(order), summary, blocks, p.parent,
                   root=Path(root) if root is not None else p.parent)


def _copy_static(site: Path) -> None:
    import plotly.offline

    assets = site / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    js = assets / "plotly.min.js"
    if not js.exists():
        atomic_write_text(js, plotly.offline.get_plotlyjs())
    css = Path(__file__).with_name("templates") / "style.css"
    shutil.copy2(css, assets / "style.css")


def _run_overview(run_dir: Path, site: Path) -> dict:
    """Model card, metrics and training curves of a run (whatever is present)."""
    info: dict = {"name": run_dir.name, "config": None, "metrics": None, "history": None}
    cfg = run_dir / "config.toml"
    if cfg.is_file():
        import tomllib

        try:
            info["config_text"] = _read_text(cfg)
            info["config"] = tomllib.loads(info["config_text"])
        except tomllib.TOMLDecodeError as e:
            raise RunDirError(f"{cfg}: invalid TOML ({e})") from None
    met = run_dir / "metrics.json"
    if met.is_file():
        try:
            m = json.loads(_read_text(met))
        except (json.JSONDecodeError, RecursionError) as e:
            raise RunDirError(f"{met}: invalid JSON ({str(e)[:120]})") from None
        if not isinstance(m, dict):
            raise RunDirError(f"{met}: holds a JSON {type(m).__name__}; expected an object "
                              f"of metric: value")
        info["metrics"] = [(k, _fmt(v)) for k, v in m.items() if not isinstance(v, (dict, list))]
    hist = run_dir / "history.csv"
    if hist.is_file():
        import pandas as pd
        import plotly.graph_objects as go

        h = read_history(run_dir)
        fig = go.Figure()
        for col in [c for c in h.columns if str(c).endswith("loss")]:
            y = pd.to_numeric(h[col], errors="coerce")
            if y.isna().all() and len(y):
                raise RunDirError(f"{hist}: column {col!r} holds no numbers; expected one "
                                  f"loss per epoch")
            fig.add_trace(go.Scatter(x=pd.to_numeric(h["epoch"], errors="coerce"), y=y,
                                     mode="lines+markers", name=str(col)))
        fig.update_layout(title="Training curves", xaxis_title="epoch", yaxis_title="loss",
                          height=360, margin={"l": 50, "r": 20, "t": 50, "b": 40})
        info["history"] = script_json(fig.to_json(), hist)
    return info


def render_report(run_dir, out_dir=None, *, title: str | None = None) -> Path:
    """Render a run directory as a static HTML site.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A run directory (``model.pt``, ``config.toml``, ``metrics.json``, ``history.csv``,
        ``analyses/*/section.json``; each part is optional).
    out_dir : str or pathlib.Path or None
        Where to write the site; default ``<run>/report``.
    title : str or None
        Page title; default the run directory's name.

    Returns
    -------
    pathlib.Path
        The path of ``index.html``.

    Raises
    ------
    RunDirError
        If ``run_dir`` is not a directory or a manifest is unreadable.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: run directory not found")
    site = Path(out_dir) if out_dir is not None else run_dir / "report"
    sections = _sections(run_dir)
    for s in sections:  # every path is checked before anything is written
        _check_paths(s)
    site.mkdir(parents=True, exist_ok=True)
    _copy_static(site)
    env = _env()
    for s in sections:
        s.rendered = _render_blocks(s, site)
    nav = [{"title": "Overview", "href": "index.html"}] + [
        {"title": s.title, "href": f"{_safe(s.name)}.html"} for s in sections
    ]
    title = title or run_dir.name
    for s in sections:
        page = env.get_template("section.html").render(
            title=title, nav=nav, active=f"{_safe(s.name)}.html", section=s
        )
        atomic_write_text(site / f"{_safe(s.name)}.html", page)
    info = _run_overview(run_dir, site)
    index = env.get_template("index.html").render(
        title=title, nav=nav, active="index.html", run=info, sections=sections
    )
    atomic_write_text(site / "index.html", index)
    return site / "index.html"


def render_index(entries: list[dict], out_dir, *, title: str = "motifscope", blocks: list | None = None) -> Path:
    """Render a landing page that links several run reports (used by ``motifscope demo``).

    Parameters
    ----------
    entries : list of dict
        One per report: ``{"title": ..., "href": relative path to its index.html,
        "summary": ..., "metrics": {name: value}, "pictures": [{"src": relative path,
        "caption": ...}]}`` (``metrics`` and ``pictures`` optional; pictures are shown
        inline, each linking to its full-size file).
    out_dir : str or pathlib.Path
        Directory of the landing page.
    title : str
        Page title.
    blocks : list of dict or None
        Extra blocks (as in :func:`write_section`, paths relative to ``out_dir``) shown
        under the list, e.g. the ground-truth scorecard.

    Returns
    -------
    pathlib.Path
        The path of ``index.html``.
    """
    site = Path(out_dir)
    site.mkdir(parents=True, exist_ok=True)
    _copy_static(site)
    sec = Section("overview", title, 0, "", blocks or [], site, root=site)
    rendered = _render_blocks(sec, site)
    for e in entries:
        e["metrics"] = [(k, _fmt(v)) for k, v in dict(e.get("metrics", {})).items()]
    page = _env().get_template("landing.html").render(
        title=title, nav=[{"title": "Home", "href": "index.html"}], active="index.html",
        entries=entries, blocks=rendered,
    )
    path = site / "index.html"
    atomic_write_text(path, page)
    return path


def escape(text) -> str:
    """HTML-escape ``text`` (for fragments built outside the templates)."""
    return html.escape(str(text), quote=True)
