"""The Grafana dashboard in deploy/ charts metrics that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

from walletguard.observability import metrics

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "walletguard.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}


def _exported() -> set[str]:
    """Every sample name the app's metrics can produce (imported above, so registered)."""
    assert metrics.PAYMENTS  # the module defines them on import
    return {family.name + suffix for family in REGISTRY.collect()
            if family.name.startswith("walletguard_")
            for suffix in SUFFIXES.get(family.type, ("",))}


def test_every_panel_queries_metrics_the_app_exports() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exported = _exported()
    charted: set[str] = set()
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = set(re.findall(r"\bwalletguard_[a-z_]+", target["expr"]))
            assert names, (panel["title"], target["expr"])
            assert names <= exported, (panel["title"], names - exported)
            charted |= names
    business = {"walletguard_payments_total", "walletguard_refusals_total",
                "walletguard_freezes_total", "walletguard_locks_total",
                "walletguard_money_path_seconds_bucket", "walletguard_freeze_seconds_bucket"}
    assert business <= charted


def test_panels_have_unique_ids_and_do_not_overlap() -> None:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells = [(p["gridPos"]["x"] + dx, p["gridPos"]["y"] + dy) for p in panels
             for dx in range(p["gridPos"]["w"]) for dy in range(p["gridPos"]["h"])]
    assert len(cells) == len(set(cells))
