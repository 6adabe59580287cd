"""Check that requirements.lock pins every requirement of pyproject.toml (with all extras).

Run by scripts/setup.sh after installing from the lock: a dependency added to or tightened
in pyproject.toml without `make lock` is named here instead of failing later at import time.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)")


def locked_versions(lock: Path) -> dict[str, str]:
    """Map each package pinned in the lock file to its pinned version."""
    pins: dict[str, str] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def declared_requirements(pyproject: Path) -> list[Requirement]:
    """Every requirement of the project, its optional groups included."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    texts = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        texts.extend(group)
    return [Requirement(text) for text in texts]


def problems(pyproject: Path, lock: Path) -> list[str]:
    """What the lock lacks or pins outside pyproject's ranges, one line each."""
    pins = locked_versions(lock)
    found: list[str] = []
    for requirement in declared_requirements(pyproject):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            found.append(f"{lock.name}: {requirement.name} is required by pyproject.toml "
                         "but not pinned")
        elif not requirement.specifier.contains(version, prereleases=True):
            found.append(f"{lock.name}: {requirement.name}=={version} does not satisfy "
                         f"'{requirement}' in pyproject.toml")
    return found


def main() -> int:
    found = problems(ROOT / "pyproject.toml", ROOT / "requirements.lock")
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print("run 'make lock' and commit requirements.lock", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
