"""Fault injection: make the next matching call fail with a real AWS error code.

For tests of what Steward does when AWS says no (throttling, a snapshot in the wrong state, a
denied call). The error goes through moto's own serialiser, so boto3 sees exactly the wire
shape AWS sends, and botocore's retry mode reacts to it as it would in AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from moto.core.common_types import TYPE_RESPONSE
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse

# HTTP status AWS uses for codes that are not in a service's model (the rest come from the model).
STATUS = {
    "Throttling": 400,
    "ThrottlingException": 400,
    "AccessDenied": 403,
    "InternalFailure": 500,
}


class InjectedError(ServiceException):
    """Defined here, not in moto: moto looks up a service model from a moto exception's package."""


@dataclass
class Fault:
    service: str
    action: str
    code: str
    times: int | None
    match: dict[str, str] = field(default_factory=dict)
    message: str = "injected by fakeaws.faults"


_FAULTS: list[Fault] = []
_ORIGINAL_CALL_ACTION = BaseResponse.call_action


def inject(
    service: str,
    action: str,
    code: str,
    *,
    times: int | None = None,
    match: dict[str, str] | None = None,
) -> None:
    """Fail `action` of `service` (e.g. "elasticache", "DeleteSnapshot") with `code`.

    `times` limits how many calls fail (None: every call); `match` restricts the fault to calls
    whose request parameters have these values (e.g. {"SnapshotName": "x"}).
    """
    _FAULTS.append(Fault(service, action, code, times, dict(match or {})))


def clear() -> None:
    _FAULTS.clear()


def _take(response: BaseResponse) -> Fault | None:
    action = response._get_action()
    for fault in _FAULTS:
        if (fault.service, fault.action) != (response.service_name, action):
            continue
        if any(response._get_param(key) != value for key, value in fault.match.items()):
            continue
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                _FAULTS.remove(fault)
        return fault
    return None


def _call_action(self: BaseResponse) -> TYPE_RESPONSE:
    fault = _take(self) if _FAULTS else None
    if fault is None:
        return _ORIGINAL_CALL_ACTION(self)
    status, headers, body = self.serialized(ActionResult(InjectedError(fault.code, fault.message)))
    status = STATUS.get(fault.code, status)
    headers["status"] = status
    return status, headers, body


def install() -> None:
    BaseResponse.call_action = _call_action  # type: ignore[method-assign]
