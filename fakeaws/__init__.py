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

Each module also exposes seeding helpers that act on moto's backends directly.
"""

from __future__ import annotations

import threading

from . import cloudhsm, elasticache, elasticache_serverless, faults, kms, model_check, redshift

__all__ = [
    "cloudhsm",
    "elasticache",
    "elasticache_serverless",
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
        for module in (elasticache, elasticache_serverless, redshift, cloudhsm, kms, faults, model_check):
            module.install()
        _installed.append(True)
