"""Read and write motifs in MEME minimal format (version 4).

The MEME minimal format (https://meme-suite.org/meme/doc/meme-format.html) is the
exchange format of motifscope: Tomtom, FIMO, memelite and Biopython read it. A file is

.. code-block:: text

    MEME version 4

    ALPHABET= ACGT

    strands: + -

    Background letter frequencies
    A 0.25 C 0.25 G 0.25 T 0.25

    MOTIF id alt_name
    letter-probability matrix: alength= 4 w= 3 nsites= 20 E= 0.001
    0.1 0.2 0.3 0.4          <- one row per position (w rows), columns A C G T
    ...
    URL https://...

Matrices in the text are ``(w, 4)``; :class:`motifscope.core.motifs.Motif` holds ``(4, w)``:
the transpose happens only here.

The reader accepts what real files contain: ``key= value`` and ``key=value``
(``alength=4 w=2``), a file ending right after a matrix, blank lines between a matrix
header and its rows, tabs, Windows line endings, optional ``strands:``, background,
``URL``, ``nsites=`` and ``E=``, a ``log-odds matrix:`` block (skipped), and the
multi-line ``ALPHABET "DNA" DNA-LIKE ... END ALPHABET`` definition when its core letters
are A, C, G, T. Anything else wrong raises :class:`motifscope.core.errors.MotifFormatError`
with one line naming the file, the line number and the motif.

The writer always writes the true ``nsites``: Biopython's ``minimal`` parser turns
probabilities into integer counts ``round(p * nsites)`` (assuming 20 when the field is
missing), so a made-up small value destroys the matrix. When a motif's ``nsites`` is
unknown, :data:`DEFAULT_NSITES` (1000) is written instead: Biopython's counts then keep
three decimals, and the MEME suite's pseudocount (``--motif-pseudo``, scaled by nsites)
changes the matrix by at most ~1e-4.
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motifscope.core.atomic import atomic_write_text
from motifscope.core.errors import InputError, MotifFormatError, MotifscopeWarning
from motifscope.core.motifs import UNIFORM, Motif, unused_name

__all__ = ["DEFAULT_NSITES", "MemeFile", "format_meme", "read_meme", "read_meme_file", "write_meme"]

#: ``nsites`` written for motifs whose number of sites is unknown (see the module notes).
DEFAULT_NSITES = 1000

#: Tolerance on a row of a letter-probability matrix summing to 1; rows within it are
#: renormalised, rows outside it are an error.
ROW_SUM_TOL = 0.02

_KV = re.compile(r"([A-Za-z_]+)\s*=\s*(\S+)")
_DNA = ("A", "C", "G", "T")


@dataclass
class MemeFile:
    """Everything a MEME minimal file holds.

    Parameters
    ----------
    motifs : list of Motif
        The motifs in file order.
    background : numpy.ndarray of shape (4,)
        Background frequencies of A, C, G, T (uniform when the file gives none).
    version : str
        The version on the ``MEME version`` line.
    strands : str or None
        The ``strands:`` value (``"+ -"`` or ``"+"``), ``None`` when absent.
    source : str
        The file name (or ``"<stream>"``).
    """

    motifs: list[Motif]
    background: np.ndarray = field(default_factory=lambda: UNIFORM.copy())
    version: str = "4"
    strands: str | None = None
    source: str = "<stream>"


class _Lines:
    """Line cursor with 1-based line numbers for error messages."""

    def __init__(self, text: str, src: str):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = text.removeprefix("\ufeff")
        self.lines = text.split("\n")
        self.i = 0
        self.src = src

    def error(self, msg: str, lineno: int | None = None, motif: str | None = None):
        ln = self.i if lineno is None else lineno
        where = f"{self.src}: line {ln}"
        if motif is not None:
            where += f": motif {motif!r}"
        return MotifFormatError(f"{where}: {msg}")


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise MotifFormatError(f"{name}: line {line}: not UTF-8 text (byte "
                               f"{data[e.start:e.start + 1]!r}); expected a MEME text file") from None


def _read_text(source) -> tuple[str, str]:
    if hasattr(source, "read"):
        text = source.read()
        name = getattr(source, "name", "<stream>")
        return (_decode(text, name) if isinstance(text, bytes) else text), name
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if not p.is_file():
            raise InputError(f"{p}: MEME file not found")
        return _decode(p.read_bytes(), str(p)), str(p)
    raise InputError(f"read_meme expects a path or a text stream, got {type(source).__name__}")


def _parse_float(tok: str, L: _Lines, what: str, motif=None, *, allow_inf: bool = False) -> float:
    try:
        v = float(tok)
    except ValueError:
        raise L.error(f"{what} {tok!r} is not a number", motif=motif) from None
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise L.error(f"{what} {tok!r} is not a finite number", motif=motif)
    return v


def _parse_alphabet_line(rest: str, L: _Lines) -> None:
    letters = rest.strip().strip('"').strip("'").upper()
    if letters != "ACGT":
        kind = "protein" if len(letters) == 20 else "RNA" if letters == "ACGU" else "non-DNA"
        raise L.error(
            f"ALPHABET= {rest.strip()} is a {kind} alphabet; motifscope reads DNA motifs "
            "only (ALPHABET= ACGT)"
        )


def _parse_alphabet_block(first: str, L: _Lines) -> None:
    # ALPHABET "name" [RNA-LIKE|DNA-LIKE|PROTEIN-LIKE]  ... END ALPHABET
    start = L.i
    if "PROTEIN" in first.upper() or "RNA" in first.upper():
        raise L.error(f"{first.strip()!r}: motifscope reads DNA motifs only (A, C, G, T)")
    core = []
    while L.i < len(L.lines):
        line = L.lines[L.i].strip()
        L.i += 1
        if line.upper().startswith("END ALPHABET"):
            break
        if not line or line.startswith("#"):
            continue
        toks = line.split()
        if "=" in toks:  # ambiguity code, e.g. N "Any base" = ACGT
            continue
        core.append(toks[0].upper())
        if "~" in toks:
            j = toks.index("~")
            if j + 1 < len(toks):
                core.append(toks[j + 1].upper())
    else:
        raise L.error("ALPHABET block has no 'END ALPHABET' line", lineno=start)
    if sorted(core) != list(_DNA):
        raise L.error(
            f"ALPHABET defines letters {''.join(core)}; expected the DNA letters A, C, G, T",
            lineno=start,
        )


def _parse_background(first_rest: str, L: _Lines) -> np.ndarray:
    vals: dict[str, float] = {}
    startln = L.i
    # the frequencies are on the following line(s): "A 0.25 C 0.25 G 0.25 T 0.25"
    while L.i < len(L.lines) and len(vals) < 4:
        line = L.lines[L.i].strip()
        if not line:
            L.i += 1
            continue
        if line.upper().startswith(("MOTIF", "ALPHABET", "STRANDS", "MEME")):
            break
        L.i += 1
        toks = line.split()
        if len(toks) % 2:
            raise L.error(f"background line {line!r} must hold letter/frequency pairs")
        for a, b in zip(toks[::2], toks[1::2]):
            vals[a.upper()] = _parse_float(b, L, f"background frequency of {a}")
    if sorted(vals) != list(_DNA):
        raise L.error(
            f"background letter frequencies give letters {sorted(vals)}; expected A, C, G, T",
            lineno=startln,
        )
    bg = np.array([vals[b] for b in _DNA])
    if (bg <= 0).any() or abs(bg.sum() - 1) > ROW_SUM_TOL:
        raise L.error(
            f"background frequencies {bg.tolist()} must be positive and sum to 1",
            lineno=startln,
        )
    return bg / bg.sum()


def _is_number_row(line: str) -> bool:
    tok = line.split(None, 1)[0] if line.strip() else ""
    if not tok:
        return False
    c = tok[0]
    return c.isdigit() or c in "+-." or tok.lower() in ("nan", "inf", "-inf")


def _read_matrix(L: _Lines, name: str, w: int | None, alength: int, kind: str) -> np.ndarray:
    """Read ``w`` rows (or, without ``w``, rows until the first non-numeric line)."""
    rows = []
    # blank lines between the header and the first row are allowed
    while L.i < len(L.lines) and not L.lines[L.i].strip():
        L.i += 1
    while L.i < len(L.lines):
        line = L.lines[L.i]
        if w is not None and len(rows) == w:
            break
        if not _is_number_row(line):
            break
        L.i += 1
        toks = line.split()
        if len(toks) != alength:
            raise L.error(
                f"{kind} row has {len(toks)} columns, expected alength= {alength}", motif=name
            )
        rows.append([_parse_float(t, L, "matrix value", name) for t in toks])
    if w is not None and len(rows) != w:
        raise L.error(f"{kind} has w= {w} but {len(rows)} rows were found", motif=name)
    if not rows:
        raise L.error(f"{kind} has no rows", motif=name)
    # more numeric rows than w
    if w is not None and L.i < len(L.lines) and _is_number_row(L.lines[L.i]):
        L.i += 1
        raise L.error(f"{kind} has w= {w} but more rows follow", motif=name)
    return np.asarray(rows, dtype=np.float64)


def _parse_motif(L: _Lines, line: str, bg: np.ndarray, src: str) -> Motif:
    motif_ln = L.i
    parts = line.split(None, 2)
    if len(parts) < 2:
        raise L.error("MOTIF line has no identifier")
    name = parts[1]
    alt = parts[2].strip() if len(parts) > 2 and parts[2].strip() else None
    ppm = None
    nsites = evalue = url = None
    while L.i < len(L.lines):
        raw = L.lines[L.i]
        s = raw.strip()
        low = s.lower()
        if not s:
            L.i += 1
            continue
        if low.startswith("motif"):
            break
        if low.startswith(("letter-probability matrix", "log-odds matrix")):
            L.i += 1
            kind = "letter-probability matrix" if low.startswith("letter") else "log-odds matrix"
            kv = {k.lower(): v for k, v in _KV.findall(s.split(":", 1)[1] if ":" in s else "")}
            alength = 4
            if "alength" in kv:
                a = _parse_float(kv["alength"], L, "alength", name)
                if a != 4:
                    raise L.error(f"alength= {kv['alength']}, expected 4 (A, C, G, T)", motif=name)
            w = None
            if "w" in kv:
                wf = _parse_float(kv["w"], L, "w", name)
                if wf < 1 or wf != int(wf):
                    raise L.error(f"w= {kv['w']} must be a positive integer", motif=name)
                w = int(wf)
            M = _read_matrix(L, name, w, alength, kind)
            if kind.startswith("log-odds"):
                continue
            if ppm is not None:
                raise L.error("motif has two letter-probability matrices", motif=name)
            if not np.isfinite(M).all() or (M < 0).any():
                bad = int(np.argmax(~np.isfinite(M).all(1) | (M < 0).any(1)))
                raise L.error(
                    f"matrix row {bad + 1} holds a negative or non-finite value", motif=name
                )
            sums = M.sum(1)
            off = np.abs(sums - 1) > ROW_SUM_TOL
            if off.any():
                j = int(np.argmax(off))
                raise L.error(
                    f"matrix row {j + 1} sums to {sums[j]:.4f}, expected 1 (tolerance "
                    f"{ROW_SUM_TOL})",
                    lineno=L.i - len(M) + j + 1,
                    motif=name,
                )
            ppm = M / sums[:, None]
            if "nsites" in kv:
                n = _parse_float(kv["nsites"], L, "nsites", name)
                if n < 0:
                    raise L.error(f"nsites= {kv['nsites']} is negative", motif=name)
                nsites = int(n) if n == int(n) else n
            if "e" in kv:
                evalue = _parse_float(kv["e"], L, "E", name, allow_inf=True)
            continue
        if low.startswith("url"):
            L.i += 1
            rest = s[3:].strip()
            url = rest or None
            continue
        if low.startswith(("background letter", "alphabet", "strands", "meme version")):
            break
        L.i += 1
        raise L.error(f"unexpected line {s[:40]!r} in motif block", motif=name)
    if ppm is None:
        raise L.error("motif has no letter-probability matrix", lineno=motif_ln, motif=name)
    return Motif(
        name=name,
        ppm=ppm.T,
        alt_name=alt,
        nsites=nsites,
        evalue=evalue,
        url=url,
        source=src,
    )


def read_meme_file(source) -> MemeFile:
    """Read a MEME minimal-format file with its background and header fields.

    Parameters
    ----------
    source : str, os.PathLike or text stream
        A path, or an open text stream (e.g. ``io.StringIO``).

    Returns
    -------
    MemeFile
        Motifs (PPMs of shape ``(4, w)``, A, C, G, T), background, version, strands.

    Raises
    ------
    MotifFormatError
        One line naming the file, the line number and the motif that is wrong.
    InputError
        If ``source`` does not exist or is neither a path nor a stream.
    """
    text, src = _read_text(source)
    L = _Lines(text, src)
    version = None
    strands = None
    bg = UNIFORM.copy()
    motifs: list[Motif] = []
    seen: dict[str, int] = {}  # motif ID -> its MOTIF line
    while L.i < len(L.lines):
        raw = L.lines[L.i]
        s = raw.strip()
        L.i += 1
        if not s or s.startswith("#"):
            continue
        low = s.lower()
        if low.startswith("meme version"):
            version = s[len("meme version") :].strip() or "4"
            if not version[0].isdigit() or int(re.match(r"\d+", version).group()) < 4:
                raise L.error(f"MEME version {version!r}; expected version 4 or later")
            continue
        if version is None:
            raise L.error(
                f"expected the 'MEME version 4' line first, found {s[:40]!r}; "
                "not a MEME minimal-format file"
            )
        if low.startswith("alphabet="):
            _parse_alphabet_line(s.split("=", 1)[1], L)
        elif low.startswith("alphabet"):
            _parse_alphabet_block(s, L)
        elif low.startswith("strands"):
            strands = s.split(":", 1)[1].strip() if ":" in s else s[7:].strip()
            if strands not in ("+ -", "+", "- +", "-"):
                strands = " ".join(strands.split())
                if strands not in ("+ -", "+", "- +", "-"):
                    raise L.error(f"strands: {strands!r}; expected '+ -' or '+'")
        elif low.startswith("background letter frequencies"):
            bg = _parse_background(s, L)
        elif low.startswith("motif"):
            at = L.i
            m = _parse_motif(L, s, bg, src)
            if m.name in seen:  # every table and match is keyed by the ID: keep both, renamed
                new = unused_name(m.name, seen)
                warnings.warn(f"{src}: line {at}: motif ID {m.name!r} again (first on line "
                              f"{seen[m.name]}); read as {new}", MotifscopeWarning, stacklevel=4)
                m.name = new
            seen[m.name] = at
            motifs.append(m)
        else:
            raise L.error(f"unexpected line {s[:40]!r}")
    if version is None:
        raise L.error("no 'MEME version' line; not a MEME minimal-format file", lineno=1)
    return MemeFile(motifs=motifs, background=bg, version=version, strands=strands, source=src)


def read_meme(source, *, return_background: bool = False):
    """Read the motifs of a MEME minimal-format file.

    Parameters
    ----------
    source : str, os.PathLike or text stream
        A path, or an open text stream.
    return_background : bool
        Also return the background frequencies.

    Returns
    -------
    list of Motif
        PPMs of shape ``(4, w)`` in A, C, G, T order, with ``nsites``, ``evalue``,
        ``url`` and ``alt_name`` when the file gives them.
    numpy.ndarray of shape (4,)
        Only with ``return_background``: background frequencies of A, C, G, T.

    Raises
    ------
    MotifFormatError
        One line naming the file, the line number and the motif that is wrong.

    Examples
    --------
    >>> motifs = read_meme("DanQ.meme")  # doctest: +SKIP
    >>> motifs[0].ppm.shape  # doctest: +SKIP
    (4, 26)
    """
    mf = read_meme_file(source)
    if return_background:
        return mf.motifs, mf.background
    return mf.motifs


def _fmt_num(x) -> str:
    if isinstance(x, (int, np.integer)) or float(x) == int(x):
        return str(int(x))
    return repr(float(x))


def format_meme(
    motifs: Iterable[Motif],
    *,
    background=None,
    strands: str | None = "+ -",
    version: str = "4",
    decimals: int = 6,
    style: str = "meme",
) -> str:
    """Format motifs as MEME minimal-format text.

    Parameters
    ----------
    motifs : iterable of Motif
        Motifs with PPMs of shape ``(4, w)`` (A, C, G, T).
    background : array-like of shape (4,), dict or None
        Background frequencies of A, C, G, T; uniform when ``None``.
    strands : str or None
        ``"+ -"`` (default), ``"+"``, or ``None`` to omit the ``strands:`` line.
    version : str
        Written after ``MEME version``.
    decimals : int
        Decimals of each probability.
    style : {"meme", "danq"}
        ``"danq"`` reproduces the header of DanQ's published ``DanQ.meme`` exactly
        (``MEME version 4.9.0``, ``Background letter frequencies (from uniform
        background):`` with 5 decimals, and ``E= 1337.0e-6`` when a motif has no E-value).

    Returns
    -------
    str
    """
    if style not in ("meme", "danq"):
        raise InputError(f"style must be 'meme' or 'danq', got {style!r}")
    if isinstance(background, dict):
        background = [background[b] for b in _DNA]
    bg = UNIFORM if background is None else np.asarray(background, dtype=float)
    if bg.shape != (4,) or (bg <= 0).any():
        raise InputError(
            f"background must be 4 positive frequencies (A, C, G, T), got {background!r}"
        )
    bg = bg / bg.sum()
    if style == "danq" and version == "4":
        version = "4.9.0"
    out = io.StringIO()
    out.write(f"MEME version {version}\n\nALPHABET= ACGT\n\n")
    if strands:
        if strands not in ("+ -", "+"):
            raise InputError(f"strands must be '+ -', '+' or None, got {strands!r}")
        out.write(f"strands: {strands}\n\n")
    if style == "danq":
        out.write("Background letter frequencies (from uniform background):\n")
        out.write(" ".join(f"{b} {q:.5f}" for b, q in zip(_DNA, bg)) + "\n\n")
    else:
        out.write("Background letter frequencies\n")
        out.write(" ".join(f"{b} {q:.{decimals}f}" for b, q in zip(_DNA, bg)) + "\n\n")
    names = set()
    for k, m in enumerate(motifs):
        if not isinstance(m, Motif):
            raise InputError(f"motifs[{k}] is a {type(m).__name__}, expected a Motif")
        if not m.name or any(c.isspace() for c in m.name):
            raise InputError(
                f"motifs[{k}] name {m.name!r} must be one non-empty word (MEME names are the "
                "first word of the MOTIF line)"
            )
        if m.alt_name is not None and ("\n" in m.alt_name or "\r" in m.alt_name):
            raise InputError(f"motif {m.name!r}: alt_name must not contain line breaks")
        names.add(m.name)
        alt = f" {m.alt_name.strip()}" if m.alt_name and m.alt_name.strip() else ""
        ns = m.nsites if m.nsites is not None and m.nsites > 0 else DEFAULT_NSITES
        head = f"letter-probability matrix: alength= 4 w= {m.width} nsites= {_fmt_num(ns)}"
        if m.evalue is not None:
            head += f" E= {float(m.evalue)!r}"
        elif style == "danq":
            head += " E= 1337.0e-6"
        out.write(f"MOTIF {m.name}{alt}\n{head}\n")
        fmt = f"%.{decimals}f"
        for row in m.ppm.T:
            out.write(" ".join(fmt % v for v in row) + "\n")
        if m.url:
            out.write(f"URL {m.url}\n")
        out.write("\n")
    return out.getvalue()


def write_meme(
    motifs: Iterable[Motif],
    path,
    *,
    background=None,
    strands: str | None = "+ -",
    version: str = "4",
    decimals: int = 6,
    style: str = "meme",
) -> Path:
    """Write motifs to a MEME minimal-format file, atomically.

    The file is written to a temporary name in the same folder and renamed, so a
    failure never leaves a half-written file. Each motif's true ``nsites`` is written
    (:data:`DEFAULT_NSITES` when unknown, see the module notes), its ``E=`` when known
    and its ``URL`` when known. Biopython's ``Bio.motifs.parse(fh, "minimal")`` and
    ``memelite.io.read_meme`` read the result.

    Parameters
    ----------
    motifs : iterable of Motif
        Motifs with PPMs of shape ``(4, w)`` (A, C, G, T).
    path : str or os.PathLike or text stream
        Destination file (or an open text stream, written directly).
    background : array-like of shape (4,), dict or None
        Background frequencies of A, C, G, T; uniform when ``None``.
    strands : str or None
        ``"+ -"`` (default), ``"+"``, or ``None`` to omit the line.
    version : str
        Written after ``MEME version``.
    decimals : int
        Decimals of each probability (DanQ wrote 6).
    style : {"meme", "danq"}
        ``"danq"`` reproduces DanQ's published header (see :func:`format_meme`).

    Returns
    -------
    pathlib.Path or None
        The path written (``None`` for a stream).
    """
    text = format_meme(
        motifs,
        background=background,
        strands=strands,
        version=version,
        decimals=decimals,
        style=style,
    )
    if hasattr(path, "write"):
        path.write(text)
        return None
    p = Path(path)
    if not p.parent.exists():
        raise InputError(f"{p}: folder {p.parent} does not exist")
    atomic_write_text(p, text, mkdir=False)
    return p
