"""The README's first screen: its main-job command runs, and its test command is CI's."""

import re
import subprocess
import sys

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
COMMANDS = re.findall(r"^    (python3 -m venv .*)$", README, flags=re.M)


def test_readme_has_the_two_setup_commands():
    assert len(COMMANDS) == 2
    assert COMMANDS[1].endswith("python -m pytest")
    assert "python -m pytest" in (ROOT / ".ci" / "run").read_text()


def test_the_main_job_runs():
    main_job = COMMANDS[0].split("&&")[-1].split()
    assert main_job[:3] == ["python", "-m", "sim"]
    proc = subprocess.run(
        [sys.executable, *main_job[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "total" in proc.stdout
