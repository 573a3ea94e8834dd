"""Read motif files in the formats of the field, detected by content.

:func:`read_motifs` returns :class:`~motifscope.core.motifs.Motif` objects (PPM of shape
``(4, w)``, rows A, C, G, T) from any of these formats (the ``format=`` name in brackets):

=====================================  ==================================================
format                                 what the file looks like
=====================================  ==================================================
MEME minimal (``meme``)                ``MEME version 4`` ... ``MOTIF`` ... matrices; read
                                       by :func:`motifscope.io.meme.read_meme`
MEME output text (``meme-txt``)        ``meme.txt`` of MEME 3, 4 and 5: ``MOTIF XXX MEME-1
                                       width = ...`` and its ``letter-probability matrix``
DREME / STREME text (``dreme-txt``,    minimal MEME behind a banner, ``#`` comments and
``streme-txt``)                        run statistics
MEME, STREME, DREME XML (``meme-xml``, ``<MEME version=...>``, ``<STREME ...>``,
``streme-xml``, ``dreme-xml``)         ``<dreme ...>``: probabilities per position
JASPAR (``jaspar``)                    ``>MA0001.1 AGL3`` then ``A [ 0 3 79 ... ]`` rows
PFM, four rows (``pfm-four-rows``)     a bare or labelled 4-row matrix (rows A C G T, any
                                       labelled order; ``|`` and ``[ ]`` allowed)
PFM, four columns                      one row of 4 numbers per position, optionally a
(``pfm-four-columns``)                 ``T A G C``-style column header
JASPAR sites (``sites``)               FASTA; the site is the upper-case part
TRANSFAC (``transfac``)                ``AC``/``ID``/``DE``, a ``P0``/``PO`` block, ``XX``,
                                       ``//`` (JASPAR and RSAT/cisBP exports)
ClusterBuster (``clusterbuster``)      ``>name`` then rows of 4 counts
AlignACE (``alignace``)                ``Motif 1`` blocks of aligned sites
XMS (``xms``)                          ``<motif><weightmatrix>`` XML
HOMER (``homer``)                      ``>consensus<TAB>name<TAB>threshold...`` then rows
                                       of 4 probabilities
CIS-BP (``cisbp``)                     ``Pos A C G T`` header then ``1 0.1 0.2 0.3 0.4``
=====================================  ==================================================

Detection reads the text, never the file name: XML by its root element; MEME text by its
``MEME version`` line (``meme-txt`` when the file is MEME's full report); TRANSFAC by a
``P0``/``PO`` line or ``AC``/``ID`` records closed by ``//``; AlignACE by its banner or its
``Motif N`` and ``MAP Score`` lines; ``>``-headed records by what follows the first header
(a DNA sequence: sites; ``[``: JASPAR; a HOMER header: HOMER; rows of 4 numbers:
ClusterBuster; 4 rows of another width: JASPAR); CIS-BP by its ``Pos`` header; bare
matrices by their shape (4 rows of width ``w != 4``: four rows; ``w != 4`` rows of 4:
four columns; a bare 4 x 4 matrix is read as four rows, rows A C G T). ``format=`` forces
a reader. Aliases: ``minimal`` = ``meme``, ``pfm`` = ``pfm-four-rows``.

Matrices whose columns sum to 1 are probabilities (``counts`` stays ``None``); others are
counts, stored in ``counts`` and normalised into ``ppm``. Names are the format's
identifier (JASPAR matrix ID, TRANSFAC ``AC`` or else ``ID``, HOMER name column, MEME
consensus id), ``alt_name`` its second name (TF name, HOMER consensus, ``MEME-1``). A
motif without a name in the file is called after the file (``SRF`` for ``SRF.pfm``;
``stem_1``, ``stem_2``, ... when there are several). Repeated names get ``_2``, ``_3``
with a warning, as in :func:`~motifscope.io.meme.read_meme`.

Errors are :class:`~motifscope.core.errors.MotifFormatError` with one line: the file, the
line number and what was expected; a file in none of these formats names the formats
read. Only DNA motifs are read (protein and RNA MEME files are refused).

May import: :mod:`motifscope.core`, :mod:`motifscope.io.meme`.
"""

from __future__ import annotations

import io
import os
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motifscope.core.errors import InputError, MotifFormatError, MotifscopeWarning
from motifscope.core.motifs import Motif, unused_name
from motifscope.io.meme import read_meme

__all__ = ["MOTIF_FORMATS", "detect_motif_format", "read_motifs"]

#: The ``format=`` names :func:`read_motifs` accepts, with what they read.
MOTIF_FORMATS = {
    "meme": "MEME minimal",
    "meme-txt": "MEME text output",
    "dreme-txt": "DREME text",
    "streme-txt": "STREME text",
    "meme-xml": "MEME XML",
    "streme-xml": "STREME XML",
    "dreme-xml": "DREME XML",
    "jaspar": "JASPAR",
    "pfm-four-rows": "PFM (four rows)",
    "pfm-four-columns": "PFM (four columns)",
    "sites": "JASPAR sites",
    "transfac": "TRANSFAC",
    "clusterbuster": "ClusterBuster",
    "alignace": "AlignACE",
    "xms": "XMS",
    "homer": "HOMER",
    "cisbp": "CIS-BP",
}
_ALIASES = {"minimal": "meme", "pfm": "pfm-four-rows", "meme-text": "meme-txt"}
_BASES = "ACGT"
_SUM_TOL = 0.02  # columns within this of 1 are probabilities
_XML_BASES = {"adenine": "A", "cytosine": "C", "guanine": "G", "thymine": "T"}


def _formats_line() -> str:
    return ", ".join(dict.fromkeys(MOTIF_FORMATS.values()))


@dataclass
class _Ctx:
    """The file being read: its name for messages, its stem for unnamed motifs, lines."""

    path: Path
    text: str
    lines: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.lines = self.text.split("\n")

    @property
    def src(self) -> str:
        return str(self.path)

    def error(self, lineno: int | None, msg: str) -> MotifFormatError:
        where = self.src if lineno is None else f"{self.src}: line {lineno}"
        return MotifFormatError(f"{where}: {msg}")

    def unknown(self, why: str = "") -> MotifFormatError:
        why = f" ({why})" if why else ""
        return MotifFormatError(
            f"{self.src}: not a recognised motif format{why}; formats read: {_formats_line()}"
        )

    def numbered(self):
        """``(lineno, stripped line)`` for every line."""
        for i, raw in enumerate(self.lines, 1):
            yield i, raw.strip()


# ----------------------------------------------------------------------------- helpers


def _is_num(tok: str) -> bool:
    try:
        v = float(tok)
    except ValueError:
        return False
    return bool(np.isfinite(v))


def _nums(ctx: _Ctx, lineno: int, toks, what: str) -> list[float]:
    out = []
    for t in toks:
        if not _is_num(t):
            raise ctx.error(lineno, f"{t!r} is not a number; expected {what}")
        out.append(float(t))
    return out


def _opt_float(s) -> float | None:
    try:
        v = float(s)
    except (TypeError, ValueError):
        return None
    return v


def _opt_nsites(s):
    v = _opt_float(s)
    if v is None or v < 0:
        return None
    return int(v) if v == int(v) else v


def _make(ctx: _Ctx, lineno: int, name, M, **kw) -> Motif:
    """A motif from a ``(4, w)`` matrix: probabilities if its columns sum to 1, else counts."""
    M = np.asarray(M, dtype=np.float64)
    label = name or "(unnamed)"
    if M.ndim != 2 or M.shape[0] != 4 or M.shape[1] < 1:
        raise ctx.error(lineno, f"motif {label!r}: expected a matrix of 4 rows (A, C, G, T)")
    if (M < 0).any() or not np.isfinite(M).all():
        raise ctx.error(lineno, f"motif {label!r}: negative or non-finite value in the matrix; "
                                "expected counts or probabilities")
    sums = M.sum(0)
    kw.setdefault("source", ctx.src)
    name = name or "_"
    if np.all(np.abs(sums - 1) <= _SUM_TOL):
        return Motif(name=name, ppm=M, **kw)
    if (sums == 0).all():
        raise ctx.error(lineno, f"motif {label!r}: every column is zero; expected counts")
    return Motif.from_counts(name, M, **kw)


def _finish(ctx: _Ctx, motifs: list[Motif], unnamed: set[int]) -> list[Motif]:
    """Name unnamed motifs after the file; rename repeated names ``_2``, ``_3``."""
    stem = ctx.path.stem or "motif"
    for i in sorted(unnamed):
        motifs[i].name = stem if len(motifs) == 1 else f"{stem}_{i + 1}"
    seen: set[str] = set()
    for m in motifs:
        if m.name in seen:
            new = unused_name(m.name, seen)
            warnings.warn(f"{ctx.src}: motif name {m.name!r} again; read as {new}",
                          MotifscopeWarning, stacklevel=4)
            m.name = new
        seen.add(m.name)
    return motifs


def _header(s: str) -> tuple[str | None, str | None]:
    """``>ID rest`` → ``(ID, rest)``."""
    parts = s[1:].strip().split(None, 1)
    if not parts:
        return None, None
    return parts[0], (parts[1].strip() if len(parts) > 1 else None)


# ----------------------------------------------------------------------------- MEME family


def _read_minimal(ctx: _Ctx) -> list[Motif]:
    """MEME minimal format, by :func:`motifscope.io.meme.read_meme`."""
    if any(s.startswith("#") for _, s in ctx.numbered()) or not ctx.text.lstrip().lower(
    ).startswith("meme version"):
        return _read_meme_suite_text(ctx)
    return read_meme(ctx.path)


def _bg_values(s: str) -> bool:
    t = s.split()
    return bool(t) and len(t) % 2 == 0 and all(len(a) == 1 and a.isalpha() for a in t[::2])


def _read_meme_suite_text(ctx: _Ctx) -> list[Motif]:
    """DREME / STREME text: the minimal-MEME lines kept (line numbers kept), the rest
    (banner, ``#`` comments, run statistics) blanked, then :func:`read_meme`."""
    out = []
    state = None
    seen_version = False
    for raw in ctx.lines:
        s = raw.strip()
        low = s.lower()
        keep = False
        if state == "alphabet":
            keep = True
            state = None if low.startswith("end alphabet") else state
        elif low.startswith("meme version"):
            keep, seen_version, state = True, True, None
        elif not seen_version or s.startswith(("#", "*")):
            keep = False
        elif low.startswith("alphabet"):
            keep, state = True, (None if low.startswith("alphabet=") else "alphabet")
        elif low.startswith(("strands", "url", "motif")):
            keep, state = True, None
        elif low.startswith("background letter frequencies"):
            keep, state = True, "bg"
        elif low.startswith(("letter-probability matrix", "log-odds matrix")):
            keep, state = True, "matrix"
        elif state == "bg" and _bg_values(s):
            keep, state = True, None
        elif state == "matrix" and s and (s[0].isdigit() or s[0] in "+-."):
            keep = True
        elif s:
            state = None
        out.append(raw if keep else "")
    stream = io.StringIO("\n".join(out))
    stream.name = ctx.src
    return read_meme(stream)


_MEME_TXT_MOTIF = re.compile(
    r"^MOTIF\s+(\S+)(?:\s+(\S+-\d+))?\s+width\s*=\s*(\d+)\s+sites\s*=\s*(\S+)"
    r"(?:.*?E-value\s*=\s*(\S+))?"
)
_KV = re.compile(r"([A-Za-z]+)\s*=\s*(\S+)")


def _read_meme_txt(ctx: _Ctx) -> list[Motif]:
    """``meme.txt``: each ``MOTIF`` header and its ``letter-probability matrix``."""
    motifs: list[Motif] = []
    current = None  # (lineno, name, alt, header evalue)
    rows_left = 0
    for n, s in ctx.numbered():
        if s.startswith("ALPHABET="):
            letters = s.split("=", 1)[1].strip().upper()
            if letters != _BASES:
                raise ctx.error(n, f"ALPHABET= {letters}: motifscope reads DNA motifs only "
                                   "(ALPHABET= ACGT)")
        m = _MEME_TXT_MOTIF.match(s)
        if m:
            current = (n, m.group(1), m.group(2), m.group(5))
            continue
        if not s.startswith("letter-probability matrix") or current is None:
            continue
        kv = {k.lower(): v for k, v in _KV.findall(s.split(":", 1)[-1])}
        if kv.get("alength", "4") != "4" or "w" not in kv or not kv["w"].isdigit():
            raise ctx.error(n, f"{s[:60]!r}: expected 'alength= 4 w= <width>'")
        rows_left = int(kv["w"])
        rows, first = [], n + 1
        for j in range(first, first + rows_left):
            t = ctx.lines[j - 1].split() if j <= len(ctx.lines) else []
            if len(t) != 4:
                raise ctx.error(j, f"motif {current[1]!r}: expected {rows_left} rows of 4 "
                                   f"probabilities (A C G T), found {' '.join(t)[:40]!r}")
            rows.append(_nums(ctx, j, t, "a probability"))
        M = np.asarray(rows).T
        if np.any(np.abs(M.sum(0) - 1) > _SUM_TOL):
            raise ctx.error(first, f"motif {current[1]!r}: a matrix row does not sum to 1")
        evalue = _opt_float(kv.get("e", current[3]))
        motifs.append(Motif(name=current[1], ppm=M, alt_name=current[2],
                            nsites=_opt_nsites(kv.get("nsites")), evalue=evalue,
                            source=ctx.src))
        current = None
    if not motifs:
        raise ctx.error(None, "MEME text output without a 'letter-probability matrix' "
                              "section; expected MOTIF ... position-specific probability matrix")
    return _finish(ctx, motifs, set())


# ----------------------------------------------------------------------------- XML


def _parse_xml(ctx: _Ctx) -> ET.Element:
    try:
        return ET.fromstring(ctx.text)
    except ET.ParseError as e:
        raise ctx.error(e.position[0], f"malformed XML ({e}); expected a well-formed "
                                       "MEME, STREME, DREME or XMS document") from None


def _check_alphabet(ctx: _Ctx, alph: ET.Element | None) -> dict[str, str]:
    """Letter id → symbol of a MEME-suite ``<alphabet>``; refuse non-DNA alphabets."""
    if alph is None:
        return {b: b for b in _BASES}
    ids = {}
    core = []
    for let in alph.iter("letter"):
        sym = (let.get("symbol") or let.get("id") or "").upper()
        ids[let.get("id", sym)] = sym
        if let.get("equals") is None:
            core.append(sym)
    if sorted(core) != list(_BASES):
        raise ctx.error(None, f"alphabet {alph.get('name') or ''.join(core)!r} has letters "
                              f"{''.join(core)}; motifscope reads DNA motifs only (A, C, G, T)")
    return ids


def _pos_matrix(ctx: _Ctx, motif: ET.Element, label: str) -> np.ndarray:
    cols = []
    for pos in motif.iter("pos"):
        try:
            cols.append([float(pos.get(b)) for b in _BASES])
        except (TypeError, ValueError):
            raise ctx.error(None, f"motif {label!r}: <pos> without numeric A, C, G, T "
                                  "attributes") from None
    if not cols:
        raise ctx.error(None, f"motif {label!r}: no <pos> elements; expected probabilities")
    return np.asarray(cols).T


def _read_meme_xml(ctx: _Ctx, root: ET.Element) -> list[Motif]:
    ids = _check_alphabet(ctx, root.find("training_set/alphabet"))
    motifs = []
    for mo in root.iterfind("motifs/motif"):
        name = mo.get("name") or mo.get("id")
        arrays = mo.findall("probabilities/alphabet_matrix/alphabet_array")
        if not arrays:
            raise ctx.error(None, f"motif {name!r}: no <probabilities> matrix")
        cols = []
        for arr in arrays:
            col = {}
            for v in arr.iter("value"):
                sym = ids.get(v.get("letter_id"), (v.get("letter_id") or "")
                              .removeprefix("letter_").upper())
                col[sym] = _opt_float(v.text)
            if any(col.get(b) is None for b in _BASES):
                raise ctx.error(None, f"motif {name!r}: a position lacks a value for A, C, G "
                                      "or T")
            cols.append([col[b] for b in _BASES])
        motifs.append(Motif(name=name, ppm=np.asarray(cols).T, alt_name=mo.get("alt"),
                            nsites=_opt_nsites(mo.get("sites")),
                            evalue=_opt_float(mo.get("e_value")), source=ctx.src))
    return motifs


def _read_streme_dreme_xml(ctx: _Ctx, root: ET.Element) -> list[Motif]:
    _check_alphabet(ctx, root.find("model/alphabet"))
    dreme = root.tag.lower() == "dreme"
    motifs = []
    for mo in root.iterfind("motifs/motif"):
        name = mo.get("seq") if dreme else mo.get("id")
        meta = {k: v for k, v in mo.attrib.items() if k not in ("id", "alt", "seq")}
        nsites = mo.get("nsites") if dreme else mo.get("nsites", mo.get("train_pos_count"))
        motifs.append(Motif(name=name or mo.get("id"), ppm=_pos_matrix(ctx, mo, name),
                            alt_name=mo.get("alt"), nsites=_opt_nsites(nsites),
                            evalue=_opt_float(mo.get("evalue")), source=ctx.src, meta=meta))
    return motifs


def _read_xms(ctx: _Ctx, root: ET.Element) -> list[Motif]:
    elems = [root] if root.tag == "motif" else root.findall(".//motif")
    motifs, unnamed = [], set()
    for mo in elems:
        name = (mo.findtext("name") or "").strip() or None
        wm = mo.find("weightmatrix")
        if wm is None:
            raise ctx.error(None, f"XMS motif {name!r} has no <weightmatrix>")
        if (wm.get("alphabet") or "DNA").upper() != "DNA":
            raise ctx.error(None, f"XMS motif {name!r}: alphabet {wm.get('alphabet')!r}; "
                                  "expected DNA")
        cols = []
        for col in wm.iter("column"):
            c = {}
            for w in col.iter("weight"):
                sym = (w.get("symbol") or "").lower()
                c[_XML_BASES.get(sym, sym.upper())] = _opt_float(w.text)
            if any(c.get(b) is None for b in _BASES):
                raise ctx.error(None, f"XMS motif {name!r}: column {col.get('pos')} lacks "
                                      "adenine, cytosine, guanine or thymine weights")
            cols.append([c[b] for b in _BASES])
        meta = {(p.findtext("key") or "").strip(): (p.findtext("value") or "").strip()
                for p in mo.iter("prop")}
        if name is None:
            unnamed.add(len(motifs))
        motifs.append(_make(ctx, 1, name, np.asarray(cols).T, meta=meta))
    return _finish(ctx, motifs, unnamed)


def _read_xml(ctx: _Ctx, fmt: str) -> list[Motif]:
    root = _parse_xml(ctx)
    tag = root.tag.lower()
    kind = {"meme": "meme-xml", "streme": "streme-xml", "dreme": "dreme-xml",
            "motif": "xms", "motifs": "xms"}.get(tag)
    if kind is None or (fmt != "auto" and kind != fmt):
        want = "a MEME, STREME, DREME or XMS" if fmt == "auto" else MOTIF_FORMATS[fmt]
        raise ctx.error(None, f"XML root element <{root.tag}>; expected {want} document")
    if kind == "meme-xml":
        return _finish(ctx, _read_meme_xml(ctx, root), set())
    if kind == "xms":
        return _read_xms(ctx, root)
    return _finish(ctx, _read_streme_dreme_xml(ctx, root), set())


# ----------------------------------------------------------------------------- matrices


def _split_row(s: str):
    """``'A [ 1 2 ]'``, ``'A | 1 2'``, ``'a 1 2'`` or ``'1 2'`` → ``(label, tokens)``;
    ``None`` if the line is not a matrix row."""
    toks = s.replace("[", " ").replace("]", " ").replace("|", " ").split()
    if not toks:
        return None
    label = None
    head = toks[0].rstrip(":").upper()
    if head in ("A", "C", "G", "T", "U") and len(toks) > 1:
        label, toks = ("T" if head == "U" else head), toks[1:]
    if not all(_is_num(t) for t in toks):
        return None
    return label, toks


def _rows_block(ctx: _Ctx, rows, name) -> np.ndarray:
    """Four ``(lineno, label, values)`` rows → a ``(4, w)`` matrix in A, C, G, T order."""
    n0 = rows[0][0]
    label = name or "(unnamed)"
    if len(rows) != 4:
        raise ctx.error(n0, f"motif {label!r}: {len(rows)} matrix rows; expected 4 rows "
                            "(A, C, G, T)")
    labels = [r[1] for r in rows]
    if any(labels) and sorted(map(str, labels)) != list(_BASES):
        raise ctx.error(n0, f"motif {label!r}: rows labelled {labels}; expected one row "
                            "each for A, C, G, T")
    widths = {len(r[2]) for r in rows}
    if len(widths) != 1:
        raise ctx.error(n0, f"motif {label!r}: rows have {sorted(widths)} values; expected "
                            "rows of equal width")
    order = labels if any(labels) else list(_BASES)
    by = {b: r[2] for b, r in zip(order, rows)}
    return np.asarray([by[b] for b in _BASES])


def _read_four_rows(ctx: _Ctx) -> list[Motif]:
    """JASPAR and four-row PFMs: blocks of 4 rows, optionally after a ``>`` header."""
    motifs, unnamed = [], set()
    name = alt = None
    rows: list = []
    header_ln = None

    def flush():
        nonlocal name, alt, rows, header_ln
        if rows:
            if name is None:
                unnamed.add(len(motifs))
            motifs.append(_make(ctx, rows[0][0], name, _rows_block(ctx, rows, name),
                                alt_name=alt))
        elif header_ln is not None:
            raise ctx.error(header_ln, f"motif {name!r} has no matrix rows; expected 4 rows "
                                       "(A, C, G, T)")
        name = alt = header_ln = None
        rows = []

    for n, s in ctx.numbered():
        if not s or s.startswith("#"):
            if rows:
                flush()
            continue
        if s.startswith(">"):
            flush()
            name, alt = _header(s)
            header_ln = n
            continue
        row = _split_row(s)
        if row is None:
            head = s.split()[0].lower()
            if head in ("base", "pos", "position") or head.endswith("="):
                if rows:  # a statistics line such as 'Ent= ...' after a matrix
                    flush()
                continue
            raise ctx.error(n, f"{s[:40]!r}: expected a matrix row of numbers, optionally "
                               "labelled A, C, G or T")
        rows.append((n, row[0], [float(t) for t in row[1]]))
    flush()
    if not motifs:
        raise ctx.error(None, "no matrix found; expected 4 rows (A, C, G, T)")
    return _finish(ctx, motifs, unnamed)


@dataclass
class _ColRec:
    """One record of a four-column file while it is read."""

    name: str | None = None
    alt: str | None = None
    gene: str | None = None
    order: tuple = tuple(_BASES)
    pos_col: bool = False
    header_ln: int | None = None
    rows: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)


def _col_header(ctx: _Ctx, rec: _ColRec, n: int, s: str) -> None:
    """Apply a non-numeric line of a four-column record to ``rec``."""
    toks = s.split()
    low0 = toks[0].lower()
    letters = [t.upper() for t in toks[1:] if low0 == "pos"] or [t.upper() for t in toks]
    if s.startswith(">"):
        fields = s[1:].split("\t") if "\t" in s else s[1:].split()
        fields = [f.strip() for f in fields]
        if len(fields) >= 3 and _is_num(fields[2]):  # HOMER: >consensus name threshold ...
            rec.name, rec.alt = fields[1] or fields[0], fields[0]
            rec.meta["log_odds_threshold"] = float(fields[2])
            if len(fields) > 3:
                rec.meta["homer_stats"] = fields[3:]
        else:
            rec.name, rec.alt = _header(s)
        rec.header_ln = n
    elif sorted(letters) == list(_BASES) and len(letters) == 4:
        rec.order, rec.pos_col = tuple(letters), low0 == "pos"
    elif low0 == "gene" and len(toks) == 2:
        rec.gene = toks[1]
    elif low0 == "motif" and len(toks) == 2:
        rec.name = toks[1]
    elif len(toks) <= 2 and not _is_num(toks[0]) and rec.name is None:
        rec.name = toks[0]  # Neph: 'UW.Motif.0001  atgactca'
        rec.alt = toks[1] if len(toks) == 2 else None
    else:
        raise ctx.error(n, f"{s[:40]!r}: expected a header (>name, Pos A C G T, Gene, "
                           "Motif) or a row of 4 numbers (A C G T)")
    if rec.header_ln is None:
        rec.header_ln = n


def _read_four_columns(ctx: _Ctx) -> list[Motif]:
    """ClusterBuster, HOMER, CIS-BP, HOCOMOCO and bare four-column PFMs."""
    motifs, unnamed = [], set()
    rec = _ColRec()

    def flush():
        nonlocal rec
        if rec.rows:
            name, alt = rec.name, rec.alt
            if name is None and rec.gene:
                name = rec.gene
            elif rec.gene:
                alt = alt or rec.gene
            if name is None:
                unnamed.add(len(motifs))
            M = np.asarray([[r[rec.order.index(b)] for b in _BASES] for _, r in rec.rows]).T
            motifs.append(_make(ctx, rec.rows[0][0], name, M, alt_name=alt, meta=rec.meta))
        elif rec.name is not None:
            raise ctx.error(rec.header_ln, f"motif {rec.name!r} has no matrix rows; expected "
                                           "rows of 4 numbers (A C G T)")
        rec = _ColRec()

    for n, s in ctx.numbered():
        if not s or s.startswith("#"):
            if not s and rec.rows:
                flush()
            continue
        toks = s.split()
        if all(_is_num(t) for t in toks):
            want = 5 if rec.pos_col else 4
            if len(toks) != want:
                raise ctx.error(n, f"{len(toks)} values; expected {want} "
                                   f"({'Pos ' if rec.pos_col else ''}A C G T)")
            rec.rows.append((n, [float(t) for t in toks[want - 4:]]))
            continue
        if rec.rows or s.startswith(">"):
            flush()
        _col_header(ctx, rec, n, s)
    flush()
    if not motifs:
        raise ctx.error(None, "no matrix found; expected rows of 4 numbers (A C G T)")
    return _finish(ctx, motifs, unnamed)


# ----------------------------------------------------------------------------- others


def _read_sites(ctx: _Ctx) -> list[Motif]:
    """JASPAR ``.sites``: counts of the upper-case sites of a FASTA file."""
    records: list[list] = []  # [header lineno, header, sequence, sequence lineno]
    for n, s in ctx.numbered():
        if not s:
            continue
        if s.startswith(">"):
            records.append([n, s, "", n])
        elif not records:
            raise ctx.error(n, f"{s[:40]!r}: expected a '>' FASTA header first")
        elif not re.fullmatch(r"[A-Za-z\-.]+", s):
            raise ctx.error(n, f"{s[:40]!r}: expected sequence letters")
        else:
            if not records[-1][2]:
                records[-1][3] = n
            records[-1][2] += s
    if not records:
        raise ctx.error(None, "no FASTA records; expected '>' headers and sites")
    sites = []
    for _, _, seq, n in records:
        site = "".join(c for c in seq if c.isupper())
        if not site:
            raise ctx.error(n, "record has no upper-case site; expected the site in upper "
                               "case within lower-case flanks")
        if sites and len(site) != len(sites[0]):
            raise ctx.error(n, f"site {site!r} has length {len(site)}; expected "
                               f"{len(sites[0])} like the first site")
        sites.append(site)
    name, alt = _header(records[0][1])
    alt = alt.split()[0] if alt else None
    counts = _count_sites(sites)
    m = _make(ctx, records[0][0], name, counts, alt_name=alt, nsites=len(sites))
    m.counts = counts  # a site count matrix even for a single site
    return _finish(ctx, [m], set() if name else {0})


def _count_sites(sites: list[str]) -> np.ndarray:
    counts = np.zeros((4, len(sites[0])))
    for site in sites:
        for j, c in enumerate(site.upper()):
            i = _BASES.find("T" if c == "U" else c)
            if i >= 0:
                counts[i, j] += 1
    return counts


def _read_alignace(ctx: _Ctx) -> list[Motif]:
    """AlignACE output: ``Motif N`` blocks of aligned sites, ``MAP Score: x``."""
    motifs: list[Motif] = []
    cur = None  # [lineno, number, sites]

    def flush(map_score=None):
        nonlocal cur
        if cur is None:
            return
        if not cur[2]:
            raise ctx.error(cur[0], f"AlignACE motif {cur[1]} has no sites")
        meta = {} if map_score is None else {"map_score": map_score}
        c = _count_sites(cur[2])
        motifs.append(_make(ctx, cur[0], cur[1], c, nsites=len(cur[2]), meta=meta))
        motifs[-1].counts = c
        cur = None

    for n, s in ctx.numbered():
        m = re.fullmatch(r"Motif\s+(\d+)", s)
        if m:
            flush()
            cur = [n, m.group(1), []]
        elif cur is not None and s.startswith("MAP Score"):
            flush(_opt_float(s.split(":", 1)[-1]))
        elif cur is not None and s and re.fullmatch(r"[ACGTNacgtn]+", s.split()[0]):
            site = s.split()[0]
            if cur[2] and len(site) != len(cur[2][0]):
                raise ctx.error(n, f"site {site!r} has length {len(site)}; expected "
                                   f"{len(cur[2][0])}")
            cur[2].append(site)
    flush()
    if not motifs:
        raise ctx.error(None, "no 'Motif N' block; expected AlignACE output")
    return _finish(ctx, motifs, set())


def _read_transfac(ctx: _Ctx) -> list[Motif]:
    """TRANSFAC (JASPAR and RSAT exports): records closed by ``//``."""
    motifs: list[Motif] = []
    rec: dict = {}

    def flush(n):
        nonlocal rec
        if "rows" in rec:
            if not rec["rows"]:
                raise ctx.error(rec["p0"], "P0 block has no rows; expected numbered rows")
            ac, id_ = rec.get("AC"), rec.get("ID")
            name = ac or id_
            alt = id_ if ac and id_ and id_ != ac else None
            M = np.asarray([[r[rec["order"].index(b)] for b in _BASES] for r in rec["rows"]]).T
            meta = {k: rec[k] for k in ("DE", "BF", "CC") if k in rec}
            motifs.append(_make(ctx, rec["p0"], name, M, alt_name=alt, meta=meta))
        elif "AC" in rec or "ID" in rec:
            raise ctx.error(n, f"record {rec.get('AC') or rec.get('ID')!r} has no P0 matrix")
        rec = {}

    for n, s in ctx.numbered():
        if not s:
            continue
        if s.startswith("//"):
            flush(n)
            continue
        key, val = (re.split(r"\s+", s, maxsplit=1) + [""])[:2]
        if key in ("P0", "PO"):
            letters = [t.upper() for t in val.split()]
            if sorted(letters) != list(_BASES):
                raise ctx.error(n, f"{s[:40]!r}: expected the columns A C G T")
            rec.update(order=letters, rows=[], p0=n)
        elif key.isdigit() and "rows" in rec:
            toks = val.split()
            if len(toks) < 4:
                raise ctx.error(n, f"{len(toks)} values; expected 4 (A C G T)")
            rec["rows"].append(_nums(ctx, n, toks[:4], "a count"))
        elif key == "CC":
            rec.setdefault("CC", []).append(val)
        elif key in ("AC", "ID", "DE", "BF", "NA"):
            rec.setdefault(key, val)
    flush(len(ctx.lines))
    if not motifs:
        raise ctx.error(None, "no TRANSFAC matrix; expected a 'P0 A C G T' block")
    return _finish(ctx, motifs, set())


# ----------------------------------------------------------------------------- detection


def _meaningful(ctx: _Ctx):
    return [(n, s) for n, s in ctx.numbered() if s and not s.startswith("#")]


def _sniff_header_records(ctx: _Ctx, lines) -> str:
    """Which format a file that starts with a ``>`` header is in."""
    first = lines[0][1]
    body = []
    for _, s in lines[1:]:
        if s.startswith(">"):
            break
        body.append(s)
    if not body:
        return "clusterbuster"
    if re.fullmatch(r"[ACGTNacgtn]+", body[0]):
        # JASPAR sites: the site in upper case within lower-case flanks; a sequence all of
        # one case is a FASTA file of sequences, not of sites
        seq = "".join(body)
        mixed = any(c.isupper() for c in seq) and any(c.islower() for c in seq)
        return "sites" if mixed else "fasta"
    if any("[" in s for s in body):
        return "jaspar"
    fields = first[1:].split("\t")
    if len(fields) >= 3 and _is_num(fields[2].strip()):
        return "homer"
    rows = [_split_row(s) for s in body]
    if any(r is None for r in rows):
        return "unknown"
    widths = {len(r[1]) for r in rows}
    if any(r[0] for r in rows) or (len(rows) == 4 and widths != {4}):
        return "jaspar"
    return "clusterbuster" if len(rows[0][1]) == 4 else "unknown"


def _sniff_text(ctx: _Ctx) -> str:
    lines = _meaningful(ctx)
    if not lines:
        return "unknown"
    lows = [s.lower() for _, s in lines]
    first = lines[0][1]
    if any(s.startswith("meme version") for s in lows):
        if "position-specific probability matrix" in ctx.text or any(
                _MEME_TXT_MOTIF.match(s) for _, s in lines):
            return "meme-txt"
        head = ctx.text[:2000].upper()
        return "dreme-txt" if "DREME" in head else "streme-txt" if "STREME" in head else "meme"
    if any(s.startswith("letter-probability matrix") for s in lows):
        return "meme"
    if first.startswith("AlignACE") or (
            any(re.fullmatch(r"Motif\s+\d+", s) for _, s in lines)
            and any(s.startswith("MAP Score") for _, s in lines)):
        return "alignace"
    if any(re.match(r"(P0|PO)\s+[ACGT]\s", s) for _, s in lines) or (
            re.match(r"(AC|ID|VV)\s", first) and any(s.startswith("//") for _, s in lines)):
        return "transfac"
    if first.startswith(">"):
        return _sniff_header_records(ctx, lines)
    toks = first.split()
    if toks[0].lower() in ("pos", "gene", "motif"):
        return "cisbp"
    if sorted(t.upper() for t in toks) == list(_BASES):
        return "pfm-four-columns"
    row = _split_row(first)
    if row is None:
        return "pfm-four-rows" if toks[0].lower() == "base" else "unknown"
    if row[0] is not None:
        return "pfm-four-rows"
    block = []
    for _, s in lines:
        r = _split_row(s)
        if r is None:
            break
        block.append(len(r[1]))
    if len(block) == 4 and set(block) != {4} or len(block) == 4 and block == [4] * 4:
        return "pfm-four-rows"
    return "pfm-four-columns" if set(block) == {4} else "unknown"


def _load(path) -> _Ctx:
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: motif file not found")
    data = p.read_bytes()
    ctx = _Ctx(p, "")
    if b"\x00" in data[:4096]:
        raise ctx.unknown("binary content")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise ctx.error(line, "not UTF-8 text; expected a text motif file") from None
    return _Ctx(p, text.replace("\r\n", "\n").replace("\r", "\n"))


def _detect(ctx: _Ctx) -> str:
    if ctx.text.lstrip().startswith("<"):
        root = _parse_xml(ctx)
        kind = {"meme": "meme-xml", "streme": "streme-xml", "dreme": "dreme-xml",
                "motif": "xms", "motifs": "xms"}.get(root.tag.lower())
        if kind is None:
            raise ctx.unknown(f"XML root element <{root.tag}>")
        return kind
    kind = _sniff_text(ctx)
    if kind == "fasta":
        raise ctx.unknown("it holds DNA sequences, FASTA, not motifs")
    if kind == "unknown":
        raise ctx.unknown()
    return kind


def detect_motif_format(path) -> str:
    """Detect the format of a motif file from its content.

    Parameters
    ----------
    path : str or os.PathLike
        The motif file; its extension is ignored.

    Returns
    -------
    str
        One of the keys of :data:`MOTIF_FORMATS` (e.g. ``"jaspar"``, ``"meme-xml"``).

    Raises
    ------
    MotifFormatError
        One line naming the file and the formats read, if none fits.
    InputError
        If the file does not exist.
    """
    return _detect(_load(path))


_READERS = {
    "meme": _read_minimal,
    "meme-txt": _read_meme_txt,
    "dreme-txt": _read_meme_suite_text,
    "streme-txt": _read_meme_suite_text,
    "jaspar": _read_four_rows,
    "pfm-four-rows": _read_four_rows,
    "pfm-four-columns": _read_four_columns,
    "clusterbuster": _read_four_columns,
    "homer": _read_four_columns,
    "cisbp": _read_four_columns,
    "sites": _read_sites,
    "transfac": _read_transfac,
    "alignace": _read_alignace,
}


def read_motifs(path, *, format: str | None = None) -> list[Motif]:  # noqa: A002
    """Read every motif of a motif file, its format detected from the content.

    Parameters
    ----------
    path : str or os.PathLike
        The motif file, in any format of :data:`MOTIF_FORMATS` (see the module notes for
        how detection works; the file name and extension play no part).
    format : str or None
        Force a reader (a key of :data:`MOTIF_FORMATS`, or ``"minimal"``, ``"pfm"``);
        ``None`` detects the format.

    Returns
    -------
    list of Motif
        In file order; each ``ppm`` has shape ``(4, w)`` with rows A, C, G, T. Count
        formats also set ``counts`` (shape ``(4, w)``) and ``nsites``.

    Raises
    ------
    MotifFormatError
        One line: the file is in no recognised format (the formats read are listed), or
        the file, line and what was expected where a recognised format is malformed.
    InputError
        If the file does not exist, or ``format`` is not a known name.

    Examples
    --------
    >>> motifs = read_motifs("MA0004.1.jaspar")  # doctest: +SKIP
    >>> motifs[0].name, motifs[0].alt_name, motifs[0].ppm.shape  # doctest: +SKIP
    ('MA0004.1', 'Arnt', (4, 6))
    """
    fmt = None
    if format is not None:
        fmt = _ALIASES.get(str(format).lower(), str(format).lower())
        if fmt not in MOTIF_FORMATS:
            raise InputError(f"format={format!r}: expected one of "
                             f"{', '.join(MOTIF_FORMATS)} (or minimal, pfm)")
    ctx = _load(path)
    if fmt is None:
        fmt = _detect(ctx)
    if fmt.endswith("-xml") or fmt == "xms":
        return _read_xml(ctx, fmt)
    if not ctx.text.strip():
        raise ctx.unknown("empty file")
    return _READERS[fmt](ctx)
