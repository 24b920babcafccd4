"""The constraints file pins the dev install, and CI runs exactly the README's test command."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    out = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            out[re.sub(r"[-_.]+", "-", name).lower()] = version
    return out


def test_constraints_pin_every_direct_dependency_and_not_soteplan():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(meta["dependencies"]) + list(meta["optional-dependencies"]["dev"])
    pins = _pins()
    assert "soteplan" not in pins
    for req in reqs:
        name = re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", name).lower() in pins, f"{name} is not pinned"


def test_ci_runs_the_readmes_test_command_with_the_constraints():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("**Test it**", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    command = block.strip()
    assert "-c constraints.txt" in command
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci
