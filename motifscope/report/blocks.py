"""Typed report blocks: what a section shows, checked when it is built, not when rendered.

An analysis builds its section from these dataclasses; :func:`motifscope.report.write_section`
stores them as the JSON blocks described in :mod:`motifscope.report`. Paths are relative to
the analysis directory. Every block has an optional ``title`` and ``caption``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["Block", "Files", "Gallery", "GalleryItem", "Image", "Link", "Metrics", "Plotly",
           "Table", "Text", "as_dict"]


@dataclass
class Block:
    """Base of every block (``title`` above it, ``caption`` below)."""

    title: str = field(default="", kw_only=True)
    caption: str = field(default="", kw_only=True)
    type = ""


@dataclass
class Text(Block):
    """Paragraphs (separated by blank lines)."""

    text: str
    type = "text"


@dataclass
class Metrics(Block):
    """Named values in a row of tiles (floats shown with 4 significant digits)."""

    data: dict
    type = "metrics"


@dataclass
class Table(Block):
    """A CSV/TSV file shown as a table (first ``max_rows`` rows) with a download link."""

    path: str
    max_rows: int = 50
    type = "table"


@dataclass
class Image(Block):
    """An image file."""

    path: str
    alt: str = ""
    type = "image"


@dataclass
class GalleryItem:
    """One image of a :class:`Gallery`, optionally linking to a file."""

    image: str
    caption: str = ""
    subtitle: str = ""
    link: str | None = None


@dataclass
class Gallery(Block):
    """A grid of small images (logos)."""

    items: list
    type = "gallery"


@dataclass
class Plotly(Block):
    """An interactive plotly figure stored as JSON (``fig.to_json()``)."""

    path: str
    type = "plotly"


@dataclass
class Link(Block):
    """A link to a page in the analysis folder, copied with the folder ``copy_dir``."""

    path: str
    text: str = ""
    copy_dir: str | None = None
    type = "link"


@dataclass
class Files(Block):
    """Download links to result files."""

    paths: list
    type = "files"


def as_dict(block) -> dict:
    """The JSON form of a block (a dict is returned as it is, for hand-written sections).

    Parameters
    ----------
    block : Block or dict

    Returns
    -------
    dict
        With ``type`` and without empty optional fields.
    """
    if isinstance(block, dict):
        return block
    if not isinstance(block, Block) or not block.type:
        raise TypeError(f"expected a report block, got {type(block).__name__}")
    d = {"type": block.type}
    for k, v in asdict(block).items():
        if v in ("", None):
            continue
        if k == "items":
            v = [{a: b for a, b in it.items() if b not in ("", None)} for it in v]
        d[k] = v
    return d
