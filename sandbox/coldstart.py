"""Cold start of each handler as `sam build` ships it: the import time of functions/<name>/app.py.

Each figure is a fresh interpreter (`-S`: nothing but the standard library and the build is
importable) with Lambda's search path (the function's directory, then the layer's python/) and
`PYTHONDONTWRITEBYTECODE=1`, because Lambda's /opt is read-only: a layer without bytecode is
compiled again on every cold start. The environment is the template's, with Lambda's own
variables; "tracing on" is what Lambda runs (Tracing: Active), "tracing off" sets
POWERTOOLS_TRACE_DISABLED=true. The figure is the import's CPU time (process time), which a busy
machine disturbs far less than wall time; the median and the best of --runs runs are printed,
and with --top the slowest imports (`python -X importtime`, cumulative) of the first function.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from importlib import metadata
from pathlib import Path

# The template's functions, their environment (sample values for the stack's references).
FUNCTIONS = {
    "RetentionFunction": {
        "DEFAULT_RETENTION_DAYS": "0",
        "MIN_KEEP": "1",
        "REVOKE_SHARED_SNAPSHOTS": "false",
        "SERVICES": "elasticache,redshift,cloudhsm",
    },
    "FinalSnapshotFunction": {
        "STATE_TABLE": "steward-StateTable-1ABCDEF",
        "NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:steward-AlertsTopic-1ABCDEF",
        "FINAL_SNAPSHOT_RETENTION_DAYS": "-1",
        "STEWARD_ROLE_ARNS": "arn:aws:iam::123456789012:role/steward-FinalSnapshotFunctionRole-1ABCDEF",
    },
    "HsmPurgeFunction": {
        "STATE_TABLE": "steward-StateTable-1ABCDEF",
        "NOTIFICATIONS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:steward-AlertsTopic-1ABCDEF",
        "COPY_REGIONS": "",
        "MAX_WAIT_HOURS": "48",
    },
}
GLOBALS = {
    "POWERTOOLS_SERVICE_NAME": "steward",
    "POWERTOOLS_METRICS_NAMESPACE": "Steward",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "DRY_RUN": "true",
}
# What Lambda itself sets (Powertools reads LAMBDA_TASK_ROOT to know it runs in Lambda).
LAMBDA = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "PYTHONDONTWRITEBYTECODE": "1",
}
# CPU time of the import: on a shared machine, wall time mostly measures the neighbours.
TIMED_IMPORT = "import time; t = time.process_time(); import app; print(time.process_time() - t)"


def environment(build: Path, function: str, tracing: bool) -> dict[str, str]:
    task_root = build / function
    env = {
        "PATH": os.environ.get("PATH", ""),
        **GLOBALS,
        **LAMBDA,
        **FUNCTIONS[function],
        "AWS_LAMBDA_FUNCTION_NAME": f"steward-{function}",
        "LAMBDA_TASK_ROOT": str(task_root),
        "PYTHONPATH": f"{task_root}{os.pathsep}{build / 'StewardLayer' / 'python'}",
    }
    if not tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


def import_seconds(python: str, build: Path, function: str, tracing: bool) -> float:
    done = subprocess.run(
        [python, "-S", "-c", TIMED_IMPORT],
        env=environment(build, function, tracing),
        cwd=build / function,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{function}: import failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1])


def slowest_imports(python: str, build: Path, function: str, tracing: bool, top: int) -> list[str]:
    done = subprocess.run(
        [python, "-S", "-X", "importtime", "-c", "import app"],
        env=environment(build, function, tracing),
        cwd=build / function,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.removeprefix("import time:").split("|")
            rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    return [f"{us / 1000:8.1f} ms  {name}" for us, name in rows[:top]]


def runnable_here(build: Path, scratch: Path) -> Path:
    """The build, or on a non-arm64 machine a copy whose arm64 native libraries are swapped for
    this machine's builds of the same package versions (pure Python and bytecode stay as built)."""
    if platform.machine() == "aarch64":
        return build
    copy = scratch / "build"
    shutil.copytree(build, copy, symlinks=True)
    host_suffix = str(sysconfig.get_config_var("EXT_SUFFIX"))
    layer = copy / "StewardLayer" / "python"
    for library in sorted(layer.rglob("*aarch64-linux-gnu.so")):
        relative = library.relative_to(layer)
        package = relative.parts[0]
        built = next(layer.glob(f"{package}-*.dist-info"), None)
        version = built.name.removeprefix(f"{package}-").removesuffix(".dist-info") if built else None
        if version != metadata.version(package):
            raise SystemExit(f"{relative}: built {version}, this machine has {metadata.version(package)}")
        stem = library.name.split(".", 1)[0]
        host = Path(str(metadata.distribution(package).locate_file(relative.parent / f"{stem}{host_suffix}")))
        library.unlink()
        shutil.copy2(host, library.parent / host.name)
    return copy


def has_bytecode(build: Path) -> bool:
    return any((build / "StewardLayer" / "python" / "steward").glob("__pycache__/*.pyc"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", type=Path, default=Path(".aws-sam/build"))
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per figure")
    parser.add_argument("--python", default=sys.executable, help="a python3.13, as Lambda runs")
    parser.add_argument("--top", type=int, default=0, help="also list the N slowest imports")
    parser.add_argument("--goal", type=float, default=0.35, help="seconds; exit 1 above it (tracing on)")
    args = parser.parse_args(argv)
    if not (args.build / "StewardLayer" / "python").is_dir():
        parser.error(f"{args.build}: no StewardLayer/python in it; run `make build` first")
    with tempfile.TemporaryDirectory(prefix="coldstart-") as scratch:
        return report(runnable_here(args.build.resolve(), Path(scratch)), args)


def report(build: Path, args: argparse.Namespace) -> int:
    bytecode = "with" if has_bytecode(build) else "without"
    print(f"cold start (median of {args.runs} fresh interpreters, layer {bytecode} bytecode): {build}")
    print(f"{'function':<24}{'tracing on':>20}{'tracing off':>20}   (median / best)")
    worst = 0.0
    for function in FUNCTIONS:
        cells = []
        for tracing in (True, False):
            runs = [import_seconds(args.python, build, function, tracing) for _ in range(args.runs)]
            worst = max(worst, statistics.median(runs))
            cells.append(f"{statistics.median(runs):.3f} / {min(runs):.3f} s")
        print(f"{function:<24}{cells[0]:>20}{cells[1]:>20}")
    verdict = "met" if worst < args.goal else "NOT met"
    print(f"goal: median under {args.goal:.2f} s: {verdict} (slowest median {worst:.3f} s)")
    if args.top:
        for tracing in (True, False):
            print(f"\nslowest imports, RetentionFunction, tracing {'on' if tracing else 'off'} (cumulative):")
            print("\n".join(slowest_imports(args.python, build, "RetentionFunction", tracing, args.top)))
    return 0 if worst < args.goal else 1


if __name__ == "__main__":
    sys.exit(main())
