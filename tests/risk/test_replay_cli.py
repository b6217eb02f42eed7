"""``walletguard risk replay`` on the shipped sample: the summary and the decisions file
are what the issue specifies, and the sample meets the medium-sensitivity targets. The
sample is what ``bench/risk_stream.py`` makes for seed 0, and the generator's streams hold
the device bindings and recovery steps of owners and attackers, which a replay judges."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).parents[2] / "bench"
SAMPLE = BENCH / "risk-sample.jsonl"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WALLETGUARD_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", "from walletguard.cli import main; main()",
                           "risk", "replay", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_replay_of_the_sample_prints_the_summary_and_writes_one_decision_a_line(
    tmp_path: Path,
) -> None:
    out = tmp_path / "decisions.jsonl"
    done = run(tmp_path, str(SAMPLE), "--json", "--decisions", str(out))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert set(summary) == {"events", "takeover_events", "takeover_stopped", "genuine_events",
                            "genuine_interrupted", "per_rule"}
    assert summary["takeover_stopped"] / summary["takeover_events"] >= 0.99
    assert summary["genuine_interrupted"] / summary["genuine_events"] <= 0.02
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == len(SAMPLE.read_text().splitlines())
    assert [d["line"] for d in lines] == list(range(1, len(lines) + 1))
    assert {d["decision"] for d in lines} <= {"allow", "step_up", "deny", "lock", "noted"}
    assert all(set(d) == {"line", "decision", "reasons"} for d in lines)


def test_a_higher_sensitivity_interrupts_more(tmp_path: Path) -> None:
    low = json.loads(run(tmp_path, str(SAMPLE), "--json", "--sensitivity", "low").stdout)
    high = json.loads(run(tmp_path, str(SAMPLE), "--json", "--sensitivity", "high").stdout)
    assert high["genuine_interrupted"] > low["genuine_interrupted"]
    assert high["takeover_stopped"] >= low["takeover_stopped"]


def generated(tmp_path: Path, seed: int) -> Path:
    stream = tmp_path / f"seed-{seed}.jsonl"
    done = subprocess.run([sys.executable, str(BENCH / "risk_stream.py"), "--seed", str(seed)],
                          capture_output=True, text=True, timeout=120, check=True)
    stream.write_text(done.stdout)
    return stream


def test_the_shipped_sample_is_the_generators_seed_0(tmp_path: Path) -> None:
    assert generated(tmp_path, 0).read_text() == SAMPLE.read_text()


def test_a_replay_judges_the_bindings_and_recovery_steps_of_owners_and_attackers(
    tmp_path: Path,
) -> None:
    stream = generated(tmp_path, 1)
    events = [json.loads(line) for line in stream.read_text().splitlines()]
    out = tmp_path / "decisions.jsonl"
    done = run(tmp_path, str(stream), "--json", "--decisions", str(out))
    assert done.returncode == 0, done.stderr
    decisions = [json.loads(line) for line in out.read_text().splitlines()]
    judged: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for event, decision in zip(events, decisions, strict=True):
        if event["type"] in ("device_bind", "recovery_step"):
            judged.setdefault((event["type"], event["label"]), []).append(decision)
    assert set(judged) == {(kind, label) for kind in ("device_bind", "recovery_step")
                           for label in ("genuine", "takeover")}
    for (_kind, label), seen in judged.items():
        assert all(d["decision"] in ("allow", "step_up", "deny", "lock") for d in seen)
        if label == "takeover":
            # The thief on the stolen phone after the report, the SIM-swapper on its
            # new device: each is stopped, by the report or by the SIM change.
            assert all(d["decision"] != "allow" for d in seen)
            assert all({"after_lost_report", "sim_swap_recent"} & set(d["reasons"])
                       for d in seen)
        else:
            # The owner binding a new phone, or recovering after losing one, goes through.
            assert sum(d["decision"] == "allow" for d in seen) / len(seen) >= 0.95


def test_a_malformed_line_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    stream = tmp_path / "bad.jsonl"
    stream.write_text('{"at": "2026-10-01T00:00:00Z", "user": "u", "type": "login"}\n'
                      '{"at": "yesterday", "user": "u", "type": "login"}\n')
    done = run(tmp_path, str(stream))
    assert done.returncode == 2
    assert "line 2" in done.stderr + done.stdout
