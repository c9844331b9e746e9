"""fakeaws._common: the ordered store moto's backends keep, and pages that start at a bisect."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ACCOUNT, REGION
from hypothesis import given
from hypothesis import strategies as st
from moto.elasticache.models import elasticache_backends

from fakeaws._common import OrderedStore, page


class BadToken(Exception):
    pass


def store_of(keys: list[str]) -> OrderedStore[str, str]:
    return OrderedStore(lambda value: value, {k: k for k in keys})


def all_pages(store: OrderedStore[str, str], limit: int, *, descending: bool = False) -> list[str]:
    seen, token = [], None
    while True:
        chunk, token = page(store.ordered, token, limit, BadToken, descending=descending)
        seen += chunk
        if token is None:
            return seen


def test_the_order_follows_every_way_a_dict_changes() -> None:
    store = store_of(["b", "d"])
    store["a"] = "a"
    store["d"] = "d"  # replacing keeps one entry
    store.update({"c": "c"})
    store.setdefault("e", "e")
    del store["b"]
    assert store.pop("c") == "c"
    assert store.pop("missing", None) is None
    assert list(store.ordered) == ["a", "d", "e"] == sorted(store)
    store.clear()
    assert list(store.ordered) == []


@given(st.sets(st.text(min_size=1, max_size=4), max_size=60), st.integers(1, 7), st.booleans())
def test_pages_cover_every_item_once_in_order(keys: set[str], limit: int, descending: bool) -> None:
    expected = sorted(keys, reverse=descending)
    assert all_pages(store_of(list(keys)), limit, descending=descending) == expected


@pytest.mark.parametrize(
    ("descending", "first", "deleted", "second"),
    [
        (False, ["k0", "k1", "k2"], ["k1", "k3"], ["k4", "k5", "k6"]),
        (True, ["k9", "k8", "k7"], ["k8", "k6"], ["k5", "k4", "k3"]),
    ],
)
def test_deleting_between_pages_neither_skips_nor_repeats(
    descending: bool, first: list[str], deleted: list[str], second: list[str]
) -> None:
    store = store_of([f"k{i}" for i in range(10)])
    chunk, token = page(store.ordered, None, 3, BadToken, descending=descending)
    assert chunk == first
    for key in deleted:  # one already returned, and the one the marker names
        del store[key]
    assert page(store.ordered, token, 3, BadToken, descending=descending)[0] == second


def test_a_page_reads_only_as_far_as_it_needs() -> None:
    store = store_of([f"k{i:06d}" for i in range(20_000)])
    _, token = page(store.ordered, None, 50, BadToken)
    for _ in range(200):
        _, token = page(store.ordered, token, 50, BadToken)
    read: list[str] = []

    def keep(item: str) -> bool:
        read.append(item)
        return True

    chunk, _ = page(store.ordered, token, 50, BadToken, keep=keep)
    assert chunk[0] == "k010050"
    assert len(read) == 51  # the page and the item that names the next one


def test_a_token_that_is_not_ours_is_refused() -> None:
    with pytest.raises(BadToken):
        page(store_of(["a"]).ordered, "not-a-token", 1, BadToken)


def test_moto_backends_keep_their_snapshots_ordered(ec: Any) -> None:
    ec.create_cache_cluster(
        CacheClusterId="redis-order",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheNodes=1,
    )
    for name in ["s-c", "s-a", "s-b"]:
        ec.create_snapshot(CacheClusterId="redis-order", SnapshotName=name)
    ec.delete_snapshot(SnapshotName="s-b")
    snapshots = elasticache_backends[ACCOUNT][REGION].snapshots
    assert isinstance(snapshots, OrderedStore)
    assert [s.snapshot_name for s in snapshots.ordered] == ["s-a", "s-c"]


def test_redshift_tagging_finds_snapshots_in_the_ordered_store(rs: Any) -> None:
    rs.create_cluster(
        ClusterIdentifier="dw-order",
        NodeType="ra3.large",
        MasterUsername="admin",
        MasterUserPassword="Password1!",
        ClusterType="single-node",
    )
    snapshot = rs.create_cluster_snapshot(
        ClusterIdentifier="dw-order", SnapshotIdentifier="tagged"
    )["Snapshot"]
    arn = f"arn:aws:redshift:{REGION}:{ACCOUNT}:snapshot:dw-order/tagged"
    rs.create_tags(ResourceName=arn, Tags=[{"Key": "steward:hold", "Value": "true"}])
    [tagged] = rs.describe_cluster_snapshots(SnapshotIdentifier=snapshot["SnapshotIdentifier"])[
        "Snapshots"
    ]
    assert {"Key": "steward:hold", "Value": "true"} in tagged["Tags"]
