"""The template translated to plain CloudFormation once per session, as the SAM transform would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox.translate import translate
from tests.template.cfn import Stack

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="session")
def translated() -> dict[str, Any]:
    return translate(TEMPLATE)


@pytest.fixture(scope="session")
def deploy(translated: dict[str, Any]) -> Callable[..., Stack]:
    """The stack CloudFormation would create with these parameter values (others at default)."""

    def deployed(**parameters: str) -> Stack:
        return Stack(translated, **parameters)

    return deployed


@pytest.fixture(scope="session")
def stack(deploy: Callable[..., Stack]) -> Stack:
    return deploy()
