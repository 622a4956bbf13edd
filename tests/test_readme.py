"""The documentation covers every setting, every CLI flag and every answer field.

The settings table stays in README.md; flags and answer fields may be documented in
README.md or any page under docs/."""

import dataclasses
import re

from conftest import ROOT

from qa.app.cli.commands import build_parser
from qa.settings import Settings
from qa.types import Answer, Citation

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = "\n".join(
    [README] + [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").rglob("*.md"))]
)


def test_every_setting_is_in_the_readme():
    missing = [
        f"QA_{name.upper()}"
        for name in Settings.model_fields
        if f"`QA_{name.upper()}`" not in README
    ]
    assert missing == []


def test_every_cli_flag_is_documented():
    parser = build_parser()
    flags = set()
    for action in parser._subparsers._group_actions:
        for sub in action.choices.values():
            for a in sub._actions:
                flags.update(o for o in a.option_strings if o.startswith("--"))
    flags.discard("--help")
    assert sorted(f for f in flags if not re.search(rf"{re.escape(f)}\b", DOCS)) == []


def test_every_answer_field_is_documented():
    names = [f.name for f in dataclasses.fields(Answer) + dataclasses.fields(Citation)]
    assert [n for n in names if f"`{n}`" not in DOCS] == []
