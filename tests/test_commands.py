"""The README's commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands():
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"^\s*(setup/\w+)\b", readme, re.MULTILINE)


def test_ci_runs_the_readme_test_command():
    commands = _readme_commands()
    assert "setup/test" in commands and "setup/run" in commands
    ci_lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "setup/test" in ci_lines, ci_lines
    assert "setup/lint" in ci_lines and "setup/lint" in commands


def test_setup_commands_are_executable():
    for name in ("run", "test", "lint"):
        path = ROOT / "setup" / name
        assert path.stat().st_mode & 0o111, f"{path} is not executable"
