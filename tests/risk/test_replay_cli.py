"""``walletguard risk replay`` on the shipped sample: the summary and the decisions file
are what the issue specifies, and the sample meets the medium-sensitivity targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).parents[2] / "bench" / "risk-sample.jsonl"


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


def test_a_malformed_line_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    stream = tmp_path / "bad.jsonl"
    stream.write_text('{"at": "2026-10-01T00:00:00Z", "user": "u", "type": "login"}\n'
                      '{"at": "yesterday", "user": "u", "type": "login"}\n')
    done = run(tmp_path, str(stream))
    assert done.returncode == 2
    assert "line 2" in done.stderr + done.stdout
