"""The full lost-phone story runs from the command line: ``walletguard demo lost-phone``
on the embedded SQLite default, as a user would first try it — ten times on the same
data, whatever else came from loopback — and the demo seed still works afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from walletguard import cli
from walletguard.config import Settings
from walletguard.errors import RateLimited
from walletguard.incidents import service as incidents
from walletguard.runtime import Platform

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


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WALLETGUARD_")}
    env.update({"WALLETGUARD_DATA_DIR": str(data_dir), "WALLETGUARD_LOG_LEVEL": "WARNING",
                "WALLETGUARD_PASSWORD_HASH_MEMORY_KIB": "1024", "COLUMNS": "200",
                "NO_COLOR": "1"})
    return env


def _walletguard(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("walletguard") or str(Path(sys.executable).parent / "walletguard")
    return subprocess.run([exe, *args], env=_env(data_dir), cwd=data_dir, capture_output=True,
                          text=True, timeout=180, check=False)


def _in_process(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The same command without a new interpreter (≈ 0.7 s saved a run)."""
    result = CliRunner().invoke(cli.app, list(args), env=_env(data_dir))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def _fill_the_loopback_allowance(data_dir: Path) -> None:
    """What other traffic on 127.0.0.1 can do: use up the public report's per-address
    allowance, through the real use case, as a busy tour or a test suite would."""
    platform = Platform.build(Settings(data_dir=data_dir, password_hash_memory_kib=1024))
    try:
        for n in range(platform.policy.lost_phone.reports_per_ip_per_hour + 1):
            try:
                with platform.db.transaction() as db:
                    incidents.report_lost_phone(
                        db, keys=platform.keys, policy=platform.policy, reporter_ip="127.0.0.1",
                        now=platform.clock.now(), report=incidents.LostPhoneReport(
                            phone=f"+8613700000{n:03d}", real_name="某人", id_number_last4="1234"))
            except RateLimited:
                return
        raise AssertionError("the loopback allowance did not run out")
    finally:
        platform.db.dispose()


def test_the_lost_phone_story_can_be_told_ten_times_in_a_row_on_one_database(
    tmp_path: Path,
) -> None:
    """On the embedded SQLite default, as a user first tries it: the first telling as a
    real process, nine more in this process, after loopback traffic used up its report
    allowance. Before each run came from its own address, the sixth telling within an
    hour was refused (too many reports from 198.51.100.7) with a 50-line traceback."""
    first = _walletguard(tmp_path, "demo", "lost-phone")
    assert first.returncode == 0, f"{first.stdout}\n{first.stderr}"
    _fill_the_loopback_allowance(tmp_path)
    tellings = [first] + [_in_process(tmp_path, "demo", "lost-phone") for _ in range(9)]
    for telling, run in enumerate(tellings, start=1):
        assert run.returncode == 0, f"telling {telling}:\n{run.stdout}\n{run.stderr}"
        missing = [line for line in STORY_LINES if line not in run.stdout]
        assert missing == [], f"telling {telling} lacks {missing}:\n{run.stdout}"
        assert "Traceback" not in run.stdout + run.stderr
        database = (tmp_path / "walletguard.db").resolve()
        assert run.stdout.startswith(f"writing to sqlite:///{database}, the database a "
                                     "`walletguard serve` with these settings uses\n")
    seeded = _walletguard(tmp_path, "demo", "seed")
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    verified = _walletguard(tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_demo_seed_prints_plain_lines_that_paste_into_a_shell(tmp_path: Path) -> None:
    runs = [_in_process(tmp_path, "demo") for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
        assert not set(run.stdout) & set("│─╭╮╰╯┃━┏┓┗┛"), run.stdout  # nothing drawn
        assert "<" not in run.stdout and "…" not in run.stdout  # no placeholders
        assert "Plum-Blossom-88" in run.stdout  # the password, to sign in again
        exports = [line for line in run.stdout.splitlines() if line.startswith("export ")]
        names = [part.split("=")[0] for line in exports
                 for part in line.split("#")[0].split()[1:]]
        assert names == ["B", "PHONE", "NAME", "LAST4", "PASSWORD", "PIN", "U", "T", "M",
                         "OP", "AG"]
        shell = subprocess.run(["bash", "-c", "\n".join([*exports, 'echo "$U $T $M $AG"'])],
                               capture_output=True, text=True, check=True)
        user_id, token, merchant, agent_key = shell.stdout.split()
        assert user_id.startswith("usr_") and f"user id {user_id}" in run.stdout
        assert token.startswith("wgs_") and merchant.startswith("mer_")
        assert agent_key.startswith("wgk_")
    # Each run is a new owner: a second tour does not start from the first one's wallet.
    assert runs[0].stdout.split("export U=")[1][:20] != runs[1].stdout.split("export U=")[1][:20]
