"""fakeaws: in-process extensions to moto 5.2.5 for the AWS behaviour Steward relies on.

Call :func:`install` once before ``moto.mock_aws()`` or ``ThreadedMotoServer`` starts. It patches
moto's backend models and Response classes in place (the URL maps bind those classes, so the
patches apply to both the decorator and the HTTP server). One module per service:

* :mod:`fakeaws.elasticache` - snapshots (NodeSnapshots, paging, copy, final snapshots, states)
* :mod:`fakeaws.elasticache_serverless` - serverless caches and their snapshots, tags, deletion
* :mod:`fakeaws.redshift` - snapshot retention/sharing, batch delete, copy, paging, DeleteCluster
* :mod:`fakeaws.cloudhsm` - backup lifecycle (delete/restore/copy/modify), real ids
* :mod:`fakeaws.kms` - CloudHSM custom key stores and keys created in them
* :mod:`fakeaws.faults` - make a call fail with a real AWS error code (throttling, wrong state)
* :mod:`fakeaws.model_check` - every request checked against its botocore service model

Each module also exposes seeding helpers that act on moto's backends directly.

The model check. AWS refuses a request that breaks a constraint its service model declares;
botocore checks only minimums and moto checks nothing, so a request AWS would refuse used to pass
here. Now, for ElastiCache, Redshift, CloudHSM v2, KMS, the Resource Groups Tagging API,
DynamoDB, SNS, CloudWatch Logs and EventBridge, every request (from boto3 under ``mock_aws`` or
over HTTP to ``ThreadedMotoServer``) is re-parsed from the wire into the operation's input shape,
as the client sent it, and checked against the model botocore's loader reads: required
members, ``min``/``max`` of numbers, ``min``/``max`` length of strings, blobs, lists and maps,
``pattern`` (the whole value must match; Java patterns compiled with ``regex``) and ``enum``.
A request that breaks one gets HTTP 400 with the service's own validation code
(``CloudHsmInvalidRequestException``, KMS/DynamoDB/EventBridge ``ValidationException``,
ElastiCache/Redshift ``InvalidParameterValue``, Tagging/Logs ``InvalidParameterException``,
SNS ``InvalidParameter``) and AWS's "1 validation error detected: Value '50' at 'maxResults'
failed to satisfy constraint: ..." wording, before moto or a fault sees it. Rules the services
document but the model lacks are enforced by the service modules, citing the documentation
(ElastiCache and Redshift ``MaxRecords`` ranges, Redshift snapshot identifier rules).
Other services, moto's own API and requests moto cannot parse are not checked.

Paging. The snapshot and backup dicts of moto's backends are replaced by ordered stores
(``_common.OrderedStore``), so a listing page starts at a bisect on its marker and reads only
as far as the page needs: a page costs the same at 1,000 and at 100,000 items (when a filter
matches most items, as Steward's listings do).
"""

from __future__ import annotations

import threading

from . import cloudhsm, elasticache, elasticache_serverless, events, faults, kms, model_check, redshift

__all__ = [
    "cloudhsm",
    "elasticache",
    "elasticache_serverless",
    "events",
    "faults",
    "install",
    "kms",
    "model_check",
    "redshift",
]

_lock = threading.Lock()
_installed: list[bool] = []


def install() -> None:
    """Patch moto in-process. Idempotent and thread-safe."""
    with _lock:
        if _installed:
            return
        # elasticache_serverless chains onto elasticache's GetResources listing, so it comes after it;
        # model_check last: it wraps the call handler faults installed, so it runs first.
        for module in (
            elasticache, elasticache_serverless, redshift, cloudhsm, kms, events, faults, model_check
        ):
            module.install()
        _installed.append(True)
