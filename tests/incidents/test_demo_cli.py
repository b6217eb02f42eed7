"""The full lost-phone story runs from the command line: ``walletguard demo lost-phone``
on the embedded SQLite default, as a user would first try it — and again on the same
data, and the demo seed still works afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

STORY_LINES = [
    "walletguard — the lost-phone story",
    "✓ coffee, with her PIN: paid ¥12.50",
    "✓ a bun, password-free (小额免密): paid ¥8.00",
    "someone guessing the ID digits gets 202 and the same words; nothing is frozen",
    "✓ 202 — If these details match a walletguard account",
    "✗ thief's payment: 401 unauthenticated",
    "• wallet.frozen:",
    "• sessions.revoked:",
    "China Mobile",
    "95188",
    "• new phone: trust untrusted, challenge chg_",
    "✗ her own payment from the new phone: 403 step_up_required",
    "✗ a code by SMS while the freeze stands (the SIM may be the thief's): 422 "
    "method_not_available",
    "✓ lost_mode queued until the phone connects",
    "✗ thief names new trusted contacts: 403 step_up_required",
    "✗ thief changes the payment PIN: 403 step_up_required",
    "✗ thief's payment from the laptop: 403 step_up_required",
    "✓ the lift ended the thief's laptop's untrusted session",
    "✓ the lift ended her new phone's untrusted session",
    "✓ her new phone is trusted (staff, after the in-person check)",
    "✓ wipe queued until the phone connects",
    "• received lost_mode: “This phone is lost.",
    "• received wipe",
    "✓ the phone is wiped; its sessions are gone for good",
    "✓ Alipay (95188) done",
    "✓ lifted; every channel told; she can undo it until",
    "• daily limit ¥2,500.00 (halved), password-free off",
    "✓ coffee again, with her PIN: paid ¥12.50",
    "chains verify",
    "✓ ledger: money is conserved",
]


def _walletguard(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("walletguard") or str(Path(sys.executable).parent / "walletguard")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETGUARD_")}
    env.update({"WALLETGUARD_DATA_DIR": str(data_dir), "WALLETGUARD_LOG_LEVEL": "WARNING",
                "WALLETGUARD_PASSWORD_HASH_MEMORY_KIB": "1024", "COLUMNS": "200",
                "NO_COLOR": "1"})
    return subprocess.run([exe, *args], env=env, cwd=data_dir, capture_output=True, text=True,
                          timeout=180, check=False)


def test_the_lost_phone_story_runs_from_the_cli_and_can_be_told_again(tmp_path: Path) -> None:
    for telling in (1, 2):
        run = _walletguard(tmp_path, "demo", "lost-phone")

        assert run.returncode == 0, f"telling {telling}:\n{run.stdout}\n{run.stderr}"
        missing = [line for line in STORY_LINES if line not in run.stdout]
        assert missing == [], f"telling {telling} lacks {missing}:\n{run.stdout}"
        assert "Traceback" not in run.stdout + run.stderr
    assert (tmp_path / "walletguard.db").exists()  # the embedded SQLite default

    seeded = _walletguard(tmp_path, "demo", "seed")
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    assert "operator key" in seeded.stdout
    verified = _walletguard(tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
