"""`make invoke` (sandbox/invoke.py): a bad setting is one clear message; the README's examples and
the seeded samples show the decisions they say, in the sample's account and at its time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from unittest.mock import patch

import pytest

from sandbox import invoke
from tests.conftest import EVENTS

ROOT = EVENTS.parent


def test_a_bad_setting_prints_the_message_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    # When make invoke runs a function with a setting it refuses (its environment is undone after)
    with patch.dict(os.environ):
        code = invoke.main(["retention", str(EVENTS / "retention-schedule.json"), "--env", "MIN_KEEP=many"])

    # Then it fails with the setting's message alone
    err = capsys.readouterr().err
    assert code == 1
    assert "MIN_KEEP='many' is not accepted: a whole number from 0 to 1000" in err
    assert "Traceback" not in err


# What the README says each of its make invoke examples shows: (function, action, reason).
README_DECISIONS = {
    "retention": ("would-delete", "expired"),
    "hsm_purge": ("would-delete", "key-bearing"),
    "final_snapshot": ("copied", "rescued"),
}
EXAMPLE = re.compile(r'^make invoke FUNCTION=(\S+) EVENT=(\S+)(?: ARGS="([^"]*)")?$', re.MULTILINE)


def _run(*argv: str) -> tuple[int, str]:
    # As make runs it: a process of its own, so its fake AWS and its clients start afresh.
    done = subprocess.run(
        [sys.executable, "-m", "sandbox.invoke", *argv],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout + done.stderr


def test_the_readme_examples_show_the_decision_the_readme_says() -> None:
    # Given the README's make invoke lines
    examples = EXAMPLE.findall((ROOT / "README.md").read_text())
    assert sorted(function for function, _, _ in examples) == sorted(README_DECISIONS)
    for function, event, args in examples:
        # When each is run as make runs it
        code, out = _run(function, str(ROOT / event), *args.split())

        # Then it succeeds with the decision the README names
        action, reason = README_DECISIONS[function]
        assert code == 0, out
        assert re.search(rf"\s{action}\s+{reason}\s", out), f"{function}: no {action} {reason} in\n{out}"
        assert "created after the sweep" not in out


def test_the_seeded_fleet_is_aged_from_the_event_time() -> None:
    # When the retention sample (time 2026-11-21) runs on the seeded fleet
    code, out = _run("retention", str(EVENTS / "retention-schedule.json"), "--seed")

    # Then a snapshot seeded 20 days before the event is 20 days old, whatever the machine's clock
    assert code == 0
    assert re.search(r"sessions-prod-day-20\s+sessions-prod\s+20\s+would-delete\s+expired", out), out


def test_a_sample_of_another_account_runs_in_that_account() -> None:
    # Given the undo sample of account 111122223333, seeded with the live purge it names
    code, out = _run("hsm_purge", str(EVENTS / "steward-purge-undo.json"), "--seed", "--live")

    # Then the purge is found in that account and its backups restored, not refused as other-account
    assert code == 0
    assert re.search(r"cluster-likphkxygsn\s+restored\s+purge-undo\s", out), out
    assert "other-account" not in out


def test_an_env_without_a_value_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # When make invoke is given --env DRY_RUN (no =)
    with pytest.raises(SystemExit) as exit_:
        invoke.main(["retention", str(EVENTS / "retention-schedule.json"), "--env", "DRY_RUN"])

    # Then it refuses it, saying what is expected, instead of ignoring it
    assert exit_.value.code == 2
    assert "'DRY_RUN' is not NAME=VALUE (e.g. --env DRY_RUN=false)" in capsys.readouterr().err
