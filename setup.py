"""Build hook: the model cards of ``models/`` (and their ``history/``) go into the wheel as
``motifscope/zoo/cards/``.

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
        models = Path(__file__).parent / "models"
        for card in sorted([*models.glob("*.toml"), *models.glob("history/*.toml")]):
            target = dest / card.relative_to(models)
            target.parent.mkdir(parents=True, exist_ok=True)
            self.copy_file(str(card), str(target))


setup(cmdclass={"build_py": BuildWithCards})
