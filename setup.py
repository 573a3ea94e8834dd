"""Build hook: the model cards of ``models/`` go into the wheel as ``motifscope/zoo/cards/``.

The repository keeps one copy of the cards (``models/``); everything else is declared in
``pyproject.toml``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCards(build_py):
    """``build_py`` that also copies ``models/*.toml`` into the built package."""

    def run(self):
        super().run()
        dest = Path(self.build_lib) / "motifscope" / "zoo" / "cards"
        dest.mkdir(parents=True, exist_ok=True)
        for card in sorted(Path(__file__).parent.joinpath("models").glob("*.toml")):
            self.copy_file(str(card), str(dest / card.name))


setup(cmdclass={"build_py": BuildWithCards})
