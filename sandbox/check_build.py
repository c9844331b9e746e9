"""Checks a `sam build` output for the arm64 layer trap: x86_64 native libraries in an arm64 build.

Without `BuildArchitecture: arm64` on the layer, sam installs x86_64 wheels (pydantic_core ships a
native library) and the functions fail to import in Lambda. Exits non-zero naming the files.
"""

from __future__ import annotations

import sys
from pathlib import Path


def problems(build: Path) -> list[str]:
    found: list[str] = []
    layer = build / "StewardLayer" / "python"
    if not (layer / "steward" / "__init__.py").is_file():
        found.append(f"{layer}/steward is missing: the layer must carry the steward package")
    if not any(layer.glob("pydantic_core/_pydantic_core*.so")):
        found.append(
            f"{layer}/pydantic_core has no native library: the layer's dependencies were not installed"
        )
    for library in sorted(build.rglob("*.so")):
        if "x86_64" in library.name or "amd64" in library.name:
            found.append(f"x86_64 library in an arm64 build: {library}")
    return found


def main() -> int:
    build = Path(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build")
    found = problems(build)
    for problem in found:
        print(problem, file=sys.stderr)
    if not found:
        print(f"{build}: arm64 layer OK (steward package present, no x86_64 libraries)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
