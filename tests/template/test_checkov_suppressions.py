"""Every checkov suppression names its check and says why it does not apply."""

from __future__ import annotations

from tests.template.cfn import Stack


def test_each_suppression_has_an_id_and_a_one_line_reason(stack: Stack) -> None:
    suppressions = [
        (name, skip)
        for name, resource in stack.resources.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert suppressions
    for name, skip in suppressions:
        assert skip["id"].startswith("CKV_"), name
        assert skip["comment"].strip() and "\n" not in skip["comment"], (name, skip["id"])
