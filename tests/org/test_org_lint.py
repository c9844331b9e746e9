"""cfn-lint, the linter CloudFormation's own tooling uses, passes on the three organisation templates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import org_template
from tests.org.conftest import CENTRAL_BUS_TEMPLATE, STACK_SET_TEMPLATE

CFN_LINT = Path(sys.executable).parent / "cfn-lint"


@pytest.mark.parametrize("template", ["member", "stack-set", "central-bus"])
def test_the_template_passes_cfn_lint(template: str, generated: Path) -> None:
    path = {
        "member": generated / org_template.MEMBER_TEMPLATE,
        "stack-set": STACK_SET_TEMPLATE,
        "central-bus": CENTRAL_BUS_TEMPLATE,
    }[template]

    lint = subprocess.run([str(CFN_LINT), str(path)], capture_output=True, text=True, check=False)

    assert lint.returncode == 0, lint.stdout + lint.stderr
