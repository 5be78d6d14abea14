"""The README and docs/ stay true to the code: their commands, targets and links exist.

Running the commands is what a fresh clone is for; these tests catch the cheap kind of rot
(a renamed command or option, a removed make target, a moved document) on every run.
"""

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))}
MANAGE = "DEBUG=true .venv/bin/python manage.py "


def readme_commands() -> list[str]:
    """The management commands the README tells a reader to type, as typed."""
    return [line.strip()[len(MANAGE) :] for line in README.splitlines() if line.strip().startswith(MANAGE)]


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))


def heading_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_readme_shows_the_management_commands():
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("command", readme_commands())
def test_each_readme_command_exists_and_takes_the_arguments_written(command):
    name, *arguments = shlex.split(command)
    assert name in get_commands(), f"{name} is not a management command"
    parser = load_command_class(get_commands()[name], name).create_parser("manage.py", name)
    parser.parse_args(arguments)  # an unknown option or a missing argument exits here


def test_each_make_target_the_readme_names_exists():
    # In code: `make run` in a sentence, or a command line of its own.
    named = set(re.findall(r"(?:`|^\s+)make ([a-z][a-z-]*)", README, flags=re.MULTILINE))
    assert named, "the README names no make target"
    assert named <= make_targets()


@pytest.mark.parametrize("link", sorted(set(re.findall(r"\]\((docs/[^)]+)\)", README))))
def test_each_document_the_readme_links_exists(link):
    path, _, anchor = link.partition("#")
    document = ROOT / path
    assert document.is_file(), f"{path} is missing"
    if anchor:
        headings = re.findall(r"^#+ (.+)$", document.read_text(encoding="utf-8"), flags=re.MULTILINE)
        assert anchor in {heading_anchor(heading) for heading in headings}, f"no heading #{anchor} in {path}"


@pytest.mark.parametrize("name", ["README.md", *DOCS])
def test_what_readers_read_is_self_contained(name):
    text = README if name == "README.md" else DOCS[name]
    assert "SPEC" not in text and "../shared" not in text


def test_the_docs_describe_every_gap_rule():
    from ownership.engine.constants import Rule

    rules = DOCS["gap-rules.md"]
    assert all(f"`{rule.value}`" in rules for rule in Rule)
