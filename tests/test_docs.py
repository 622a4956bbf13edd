"""README.md is a short front door and docs/ holds the depth: every page is linked, every
relative link resolves, every command shown is one the code accepts (its flags are in the
module's --help), and every setting in the README's table is a real setting."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest
from conftest import ROOT

from qa.settings import Settings

README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").rglob("*.md"))
DOC_FILES = [README, *PAGES]
MAX_README_LINES = 250
HELP_CPU_SECONDS = 12  # a --help loads no model: a few seconds of CPU (6 at most today)

# A command as the docs write it: optional VAR=value prefixes, then `python -m MODULE ...`
# (any python: .venv/bin/python, python3) or the installed `qa ...` script.
ENV = r"(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*"
PYTHON_M = re.compile(rf"^{ENV}(?:\S*/)?python3? -m (\S+)(.*)$")
QA_SCRIPT = re.compile(rf"^{ENV}qa(\s.*)$")
CHECKED_MODULE = re.compile(r"^(?:qa|training\.\w+|bench\.\w+)$")
FLAG = re.compile(r"(?<![\w-])--[A-Za-z][\w-]*")
SUBCOMMANDS = re.compile(r"\{([\w,-]+)\} \.\.\.")  # argparse's usage of a subparser
INLINE_CODE = re.compile(r"(`+)((?:(?!\n\s*\n).)+?)\1", re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


# ---------------------------------------------------------------- reading Markdown
def split_markdown(text: str) -> tuple[list[list[str]], str]:
    """The fenced code blocks (each a list of lines) and the prose, blocks blanked out."""
    blocks: list[list[str]] = []
    prose: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
            prose.append("")
        elif current is not None:
            current.append(line)
            prose.append("")
        else:
            prose.append(line)
    return blocks, "\n".join(prose)


def inline_spans(prose: str) -> list[str]:
    """The inline code spans of the prose, each on one line."""
    return [" ".join(m.group(2).split()) for m in INLINE_CODE.finditer(prose)]


def without_code(text: str) -> str:
    """The prose alone: no fenced blocks, no inline code (links inside code are not links)."""
    return INLINE_CODE.sub("", split_markdown(text)[1])


def is_command(line: str) -> bool:
    return bool(PYTHON_M.match(line.strip()) or QA_SCRIPT.match(line.strip()))


def documented_commands(text: str) -> list[str]:
    """Every command line shown: in fenced blocks (an indented line continues the command
    above it, as the CLI synopsis does) and in inline code spans."""
    lines: list[str] = []
    blocks, prose = split_markdown(text)
    for block in blocks:
        for raw in block:
            if raw[:1].isspace() and lines and lines[-1] is not None and raw.strip():
                lines[-1] += " " + raw.strip()  # the synopsis' continuation lines
            elif is_command(raw):
                lines.append(raw.strip())
            else:
                lines.append(None)
    lines += [span for span in inline_spans(prose) if is_command(span)]
    return [line for line in lines if line is not None]


def parse_command(line: str) -> tuple[str, list[str], str] | None:
    """(module, the words after it, the arguments) of a documented command; None for a
    module this project does not own (pytest, pip, ...)."""
    line = re.split(r"\s#\s", line, maxsplit=1)[0]  # a shell comment
    if m := PYTHON_M.match(line.strip()):
        module, rest = m.group(1), m.group(2)
    elif m := QA_SCRIPT.match(line.strip()):
        module, rest = "qa", m.group(1)
    else:
        return None
    if not CHECKED_MODULE.match(module):
        return None
    return module, rest.split(), rest


def missing_flags(arguments: str, help_text: str) -> list[str]:
    """The --flags written in a documented command that its --help does not list."""
    flags = dict.fromkeys(FLAG.findall(arguments))
    return [f for f in flags if not re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", help_text)]


# ---------------------------------------------------------------- asking the code
HELP_CPU: dict[tuple[str, ...], float] = {}


@cache
def help_text(module: str, sub: tuple[str, ...] = ()) -> str:
    """`python -m MODULE [SUB ...] --help`, run once per module and subcommand; its CPU
    time (not wall time: a training job may share the cores) is kept in HELP_CPU."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    command = [sys.executable, "-m", module, *sub, "--help"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        HELP_CPU[(module, *sub)] = usage.ru_utime + usage.ru_stime
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    assert proc.returncode == 0, f"{' '.join(command[1:])}: {stderr[-2000:]}"
    return stdout


def resolve(module: str, words: list[str]) -> tuple[tuple[str, ...], str, str | None]:
    """The subcommand the words name (``qa feedback export``), its help text, and a
    problem when a word in a subcommand's place names none."""
    sub: tuple[str, ...] = ()
    text = help_text(module)
    for word in words:
        choices = SUBCOMMANDS.search(text)
        if not choices:
            break
        if word not in choices.group(1).split(","):
            if re.fullmatch(r"[a-z][a-z_-]*", word):
                return sub, text, f"{word!r} is not a subcommand ({choices.group(1)})"
            break
        sub += (word,)
        text = help_text(module, sub)
    return sub, text, None


# ---------------------------------------------------------------- a) the front door and links
def _section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no '## {title}' section"
    return match.group(1)


def test_readme_is_a_front_door_of_at_most_250_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES


def test_the_quick_start_is_make_run_and_make_test():
    section = _section(README.read_text(encoding="utf-8"), "Quick start")
    blocks, _ = split_markdown(section)
    assert blocks, "the quick start has no code block"
    assert [line.strip() for line in blocks[0] if line.strip()] == ["make run", "make test"]


def _links(path: Path) -> list[str]:
    return LINK.findall(without_code(path.read_text(encoding="utf-8")))


def slugs(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    seen: dict[str, int] = {}
    out = set()
    _, prose = split_markdown(path.read_text(encoding="utf-8"))
    for line in prose.splitlines():
        if m := re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line):
            slug = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_every_docs_page_is_linked_from_the_readme():
    assert PAGES, "docs/ has no page"
    linked = {
        (README.parent / target.split("#")[0]).resolve()
        for target in _links(README)
        if not re.match(r"^[a-z]+:", target) and not target.startswith("#")
    }
    assert [str(p.relative_to(ROOT)) for p in PAGES if p.resolve() not in linked] == []


def test_every_relative_link_resolves():
    broken = []
    for path in DOC_FILES:
        for target in _links(path):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file, _, anchor = target.partition("#")
            dest = (path.parent / file).resolve() if file else path
            where = f"{path.relative_to(ROOT)}: {target}"
            if not dest.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in slugs(dest):
                broken.append(f"{where} (no such heading)")
    assert broken == []


def test_the_link_reader_sees_links_and_skips_code():
    text = "See [a](docs/a.md#x) and ![b](img.png), not `[c](c.md)`.\n```\n[d](d.md)\n```\n"
    assert LINK.findall(without_code(text)) == ["docs/a.md#x", "img.png"]


# ---------------------------------------------------------------- b) the commands shown
def test_the_flag_check_catches_a_renamed_flag():
    fake_help = "usage: reader.py [-h] [--questions QUESTIONS] [--out OUT]\n  --eval-only\n"
    parsed = parse_command("python -m training.reader --questions 100 --eval-only --outt X")
    assert parsed is not None
    module, _, arguments = parsed
    assert module == "training.reader"
    assert missing_flags(arguments, fake_help) == ["--outt"]
    assert missing_flags("--questions 5 --out F --eval-only", fake_help) == []
    assert missing_flags("--question 5", fake_help) == ["--question"]  # a prefix is not it


def test_the_command_reader_finds_commands_where_the_docs_write_them():
    text = (
        "Run `python -m bench.query --data-dir DIR`, or `qa ask --json`.\n\n"
        "```\n"
        "python -m qa ask QUESTION [--k N]\n"
        "                 [--date-from D]     # a comment --not-a-flag\n"
        "QA_LLM=gguf:bundled python -m qa eval\n"
        "python -m pytest -q\n"
        "print('python -m qa')\n"
        "```\n"
    )
    commands = documented_commands(text)
    assert commands == [
        "python -m qa ask QUESTION [--k N] [--date-from D]     # a comment --not-a-flag",
        "QA_LLM=gguf:bundled python -m qa eval",
        "python -m pytest -q",
        "python -m bench.query --data-dir DIR",
        "qa ask --json",
    ]
    parsed = [parse_command(c) for c in commands]
    assert parsed[0][0] == "qa" and FLAG.findall(parsed[0][2]) == ["--k", "--date-from"]
    assert parsed[1][:2] == ("qa", ["eval"])
    assert parsed[2] is None  # not this project's module
    assert parsed[4][:2] == ("qa", ["ask", "--json"])


def _documented() -> list[tuple[Path, str, tuple[str, list[str], str]]]:
    out = []
    for path in DOC_FILES:
        for line in documented_commands(path.read_text(encoding="utf-8")):
            if parsed := parse_command(line):
                out.append((path, line, parsed))
    return out


@pytest.mark.slow
def test_every_documented_command_is_one_the_code_accepts():
    documented = _documented()
    modules = sorted({module for _, _, (module, _, _) in documented})
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        list(pool.map(help_text, modules))  # each module's --help once, side by side
    problems, checked = [], set()
    for path, line, (module, words, arguments) in documented:
        sub, text, problem = resolve(module, words)
        shown = " ".join(["python -m", module, *sub, "--help"])
        if problem:
            problems.append(f"{path.relative_to(ROOT)}: {line!r}: {problem}")
        elif missing := missing_flags(arguments, text):
            problems.append(f"{path.relative_to(ROOT)}: {line!r}: {missing} not in `{shown}`")
        checked.add((module, *sub))
    assert problems == []
    # The docs do show the product's, the training's and the measurements' commands.
    for expected in [("qa", "ask"), ("qa", "eval"), ("training.reader",), ("bench.query",)]:
        assert expected in checked
    slow = {" ".join(k): round(s, 1) for k, s in HELP_CPU.items() if s > HELP_CPU_SECONDS}
    assert slow == {}, "a --help should not load models"


# ---------------------------------------------------------------- c) the settings table
def test_every_name_in_the_settings_table_is_a_setting():
    known = set()
    for name, field in Settings.model_fields.items():
        known.add(f"QA_{name.upper()}")
        alias = field.validation_alias
        known.update(getattr(alias, "choices", [alias] if isinstance(alias, str) else []))
    table = _section(README.read_text(encoding="utf-8"), "Configuration")
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    names = [n for row in rows for n in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split(" | ")[0])]
    assert len(names) >= len(Settings.model_fields)
    assert [n for n in names if n not in known] == []
