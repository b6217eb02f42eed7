"""The hotline voice channel (seed 002 §7): the owner calls the hotline, reads a random
digit string for a voiceprint comparison and answers security questions; the hotline's
voice verifier (``adapters/voice.py``, a port) reports the call, and recovery judges it.

Open only in hotline hours (``recovery.hotline_hours``, operator time: the policy's
timezone): outside them nobody answers the hotline, so a "call" reported then is not
one. A voice is low-assurance evidence (a recording or a cloned voice and answers a leak
exposes), capped like the history quiz."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from walletguard.adapters.voice import VoiceReading, VoiceVerifier
from walletguard.policy import Policy

CHANNEL = "hotline_voice"


def in_hours(policy: Policy, now: datetime) -> bool:
    opens, closes = policy.recovery.hotline_hours
    return opens <= now.astimezone(ZoneInfo(policy.timezone)).hour < closes


def passed(verifier: VoiceVerifier, policy: Policy, call_ref: str) -> VoiceReading | None:
    """The call's reading when it passes: voiceprint at or above ``voice_match_min`` and
    the security questions answered."""
    reading = verifier.read_call(call_ref)
    if reading is None or not reading.questions_passed \
            or reading.voiceprint_match < policy.recovery.voice_match_min:
        return None
    return reading
