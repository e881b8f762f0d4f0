"""Every file the repository cites is in it: docs pages named anywhere exist, and no text cites
the background notes that are not part of the repository; docs/references.md has a section
per device, one for networks and one for algorithms."""

import re
import subprocess

import pytest

from tests.conftest import ROOT

ABSENT = ("SEED", "REFERENCES", "DESIGN", "STYLE")  # notes kept outside the repository
# hw_configs/ is being rewritten to point at docs/references.md; until then it is exempt.
EXEMPT = ("tests/test_references.py",)


def _tracked_text_files():
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in names:
        path = ROOT / name
        if path.suffix in (".py", ".md", ".yaml", ".toml", ".txt") or name == ".ci/run":
            yield name, path.read_text(encoding="utf-8")


FILES = list(_tracked_text_files())


@pytest.mark.parametrize("stem", ABSENT)
def test_no_file_cites_notes_the_repository_lacks(stem):
    citing = [name for name, text in FILES if f"{stem}.md" in text and not name.startswith(EXEMPT)]
    assert citing == []


def test_every_docs_page_named_exists():
    named = {page for _, text in FILES for page in re.findall(r"docs/([a-z_]+\.md)", text)}
    assert named and {page for page in named if not (ROOT / "docs" / page).is_file()} == set()


def test_references_have_a_section_per_device_networks_and_algorithms():
    headings = re.findall(r"^## (.+)$", (ROOT / "docs" / "references.md").read_text(), re.M)
    assert headings[:3] == ["Raspberry Pi 3", "Jetson AGX Xavier", "Tesla V100"]
    assert any(h.startswith("Networks") for h in headings)
    assert any(h.startswith("Algorithms") for h in headings)
