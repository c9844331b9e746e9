"""The README's parameters table is the operator's list: every template parameter is in it (newcomer 9)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short-form intrinsics (!Ref, !Sub, ...) as plain values."""


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_every_template_parameter_is_in_the_readme_table() -> None:
    parameters = set(yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)["Parameters"])
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("Parameters (all optional):") :].split("\n\n", 2)[1]
    listed = set(re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE))

    assert parameters - listed == set(), "template parameters missing from the README table"
    assert listed - parameters == set(), "README table rows that are not template parameters"
