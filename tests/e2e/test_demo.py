"""`make demo` tells one consistent story: one clock, one time format, labelled ids (newcomer 9)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINTED_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


@pytest.fixture(scope="module")
def demo() -> tuple[datetime, str]:
    started = datetime.now(UTC)
    done = subprocess.run(
        [sys.executable, "-m", "sandbox.demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return started, done.stdout


def _moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)


def test_restorable_until_is_seven_days_after_the_runs_clock(demo: tuple[datetime, str]) -> None:
    started, out = demo
    clock = _moment(re.search(r"^clock (.+ UTC)\.$", out, re.MULTILINE)[1])  # type: ignore[index]
    untils = {_moment(u) for u in re.findall(r"restorable until (\S+ \S+ UTC)", out)}

    assert abs(clock - started) < timedelta(minutes=2)
    assert untils
    assert all(
        timedelta(days=7) - timedelta(minutes=2) < u - clock < timedelta(days=7, minutes=2) for u in untils
    )


def test_final_snapshot_names_carry_the_runs_clock(demo: tuple[datetime, str]) -> None:
    started, out = demo
    stamps = set(re.findall(r"-final-(\d{8}t\d{6}z)", out))

    assert stamps
    for stamp in stamps:
        taken = datetime.strptime(stamp, "%Y%m%dt%H%M%Sz").replace(tzinfo=UTC)
        assert abs(taken - started) < timedelta(minutes=5), stamp


def test_the_purge_id_is_labelled_and_the_undo_lists_restored_backups(demo: tuple[datetime, str]) -> None:
    _, out = demo
    keypurge = out[out.index("Steward key-purge demo") : out.index("Steward final-snapshot demo")]
    undo = keypurge[keypurge.index("'CloudHSM Purge Undo'") :]
    summary = undo[undo.index("\npurge ") :]

    assert not re.search(r"^[0-9a-f-]{36}$", keypurge, re.MULTILINE)
    assert re.search(r"^bin/steward key-removed: .*operator event id [0-9a-f-]{36}$", keypurge, re.MULTILINE)
    assert ": undone" in summary.splitlines()[1]
    assert "  purged " not in summary
    assert summary.count("  restored ") == 5


def test_the_demos_own_lines_print_one_time_format(demo: tuple[datetime, str]) -> None:
    _, out = demo
    # Decision tables' WHY column is the functions' own report; every other line is the demo's.
    # Snapshot tables show tag values as set, and JSON results keep the functions' own fields.
    tables = re.compile(r"^(elasticache|redshift|cloudhsm|us-)|steward:created-by=|^result: .*FAILED")
    own = [line for line in out.splitlines() if not tables.search(line)]

    assert any(PRINTED_TIME.search(line) for line in own)
    for line in own:
        assert not re.search(r"\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)", line), line
