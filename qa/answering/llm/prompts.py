"""Prompt templates live in prompts/*.md and are loaded by name.

A template names its variables as ``{name}``; formatting with a missing variable
is an error, never a silent blank.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parents[3] / "prompts"


@dataclass(frozen=True)
class Prompt:
    name: str
    template: str

    @property
    def variables(self) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(self.template) if f}

    def format(self, **values: str) -> str:
        missing = self.variables - set(values)
        if missing:
            raise KeyError(f"prompt {self.name!r} needs {sorted(missing)}")
        return self.template.format(**values)


def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> Prompt:
    """The template ``folder/name.md``."""
    path = folder / f"{name}.md"
    if not path.is_file():
        raise FileNotFoundError(f"prompt template {path} does not exist")
    return Prompt(name, path.read_text(encoding="utf-8"))
