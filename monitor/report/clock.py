"""Event times as the people reading a report see them: this machine's local time."""

from __future__ import annotations

from datetime import datetime


def local(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000).astimezone()


def clock(ms: float) -> str:
    """`19:05`"""
    return local(ms).strftime("%H:%M")


def clock_s(ms: float) -> str:
    """`19:05:30`"""
    return local(ms).strftime("%H:%M:%S")


def when(ms: float) -> str:
    """`2026-11-22 19:05`"""
    return local(ms).strftime("%Y-%m-%d %H:%M")


def zone(ms: float) -> str:
    """`UTC+07:00`"""
    offset = local(ms).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
