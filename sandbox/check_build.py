"""Checks a `sam build` output: an arm64 layer that carries steward, its dependencies and their bytecode.

Without `BuildArchitecture: arm64` on the layer, sam installs x86_64 wheels (pydantic_core ships a
native library) and the functions fail to import in Lambda. Without bytecode (or with bytecode
Python judges stale), every cold start compiles the whole layer again, because /opt is read-only;
layers/steward/Makefile compiles it with `--invalidation-mode unchecked-hash`. Exits non-zero
naming the files.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Lambda's runtime: the tag in the bytecode's file name and the magic number at its head.
CACHE_TAG = "cpython-313"
MAGIC_313 = (3571).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


def bytecode_problem(source: Path) -> str | None:
    compiled = source.parent / "__pycache__" / f"{source.stem}.{CACHE_TAG}.pyc"
    if not compiled.is_file():
        return f"no bytecode for {source}"
    with compiled.open("rb") as head:
        magic, flags = head.read(4), int.from_bytes(head.read(4), "little")
    if magic != MAGIC_313:
        return f"bytecode of another Python than 3.13: {compiled}"
    if flags != UNCHECKED_HASH:
        return f"bytecode not compiled with --invalidation-mode unchecked-hash: {compiled}"
    return None


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
    for source in sorted(layer.rglob("*.py")):
        if (problem := bytecode_problem(source)) is not None:
            found.append(problem)
    return found


def main() -> int:
    build = Path(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build")
    found = problems(build)
    for problem in found[:20]:
        print(problem, file=sys.stderr)
    if len(found) > 20:
        print(f"... and {len(found) - 20} more", file=sys.stderr)
    if not found:
        modules = sum(1 for _ in (build / "StewardLayer" / "python").rglob("*.py"))
        print(
            f"{build}: arm64 layer OK (steward package present, no x86_64 libraries, "
            f"unchecked-hash bytecode for all {modules} modules)"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
