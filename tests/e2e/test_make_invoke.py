"""`make invoke` (sandbox/invoke.py) reports a bad setting as the clear message, not a traceback."""

from __future__ import annotations

import os
from unittest.mock import patch

import pytest

from sandbox import invoke
from tests.conftest import EVENTS


def test_a_bad_setting_prints_the_message_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    # When make invoke runs a function with a setting it refuses (its environment is undone after)
    with patch.dict(os.environ):
        code = invoke.main(["retention", str(EVENTS / "retention-schedule.json"), "--env", "MIN_KEEP=many"])

    # Then it fails with the setting's message alone
    err = capsys.readouterr().err
    assert code == 1
    assert "MIN_KEEP='many' is not accepted: a whole number from 0 to 1000" in err
    assert "Traceback" not in err
