"""Durations as people say them and times on the broadcast's clock ([display] timezone)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.config import ConfigError, load_config
from monitor.formatting import clock_time, duration

ROOT = Path(__file__).resolve().parent.parent

DURATIONS = [
    # seconds, Indonesian, English
    (198, "3 mnt 18 dtk", "3 min 18 s"),
    (3900, "1 jam 5 mnt", "1 h 5 min"),
    (0, "0 dtk", "0 s"),
    (45, "45 dtk", "45 s"),
    (60, "1 mnt", "1 min"),
    (7200, "2 jam", "2 h"),
    (90_060, "25 jam 1 mnt", "25 h 1 min"),
    # whole seconds, half up, under an hour
    (0.4, "0 dtk", "0 s"),
    (0.5, "1 dtk", "1 s"),
    (59.6, "1 mnt", "1 min"),
    (3599.4, "59 mnt 59 dtk", "59 min 59 s"),
    # whole minutes from an hour on
    (3599.6, "1 jam", "1 h"),
    (3629, "1 jam", "1 h"),
    (3630, "1 jam 1 mnt", "1 h 1 min"),
    (7170, "2 jam", "2 h"),
    # nothing to show
    (None, "–", "–"),
    (-1, "–", "–"),
    (float("nan"), "–", "–"),
    (float("inf"), "–", "–"),
]


@pytest.mark.parametrize("seconds, id_text, en_text", DURATIONS)
def test_duration(seconds, id_text, en_text):
    assert duration(seconds, "id") == id_text
    assert duration(seconds, "en") == en_text


def _ms(*args, tz=timezone.utc) -> int:
    return int(datetime(*args, tzinfo=tz).timestamp() * 1000)


def test_clock_time_reads_the_broadcast_zone():
    noon_utc = _ms(2026, 11, 22, 12, 5, 30)
    assert clock_time(noon_utc, "Asia/Jakarta", "en") == "19:05:30"  # WIB, UTC+7
    assert clock_time(noon_utc, "Asia/Makassar", "en") == "20:05:30"  # WITA
    assert clock_time(noon_utc, "Asia/Jayapura", "en") == "21:05:30"  # WIT
    assert clock_time(noon_utc, ZoneInfo("UTC"), "en") == "12:05:30"


def test_clock_time_uses_each_languages_separator():
    t = _ms(2026, 11, 22, 2, 3, 4)
    assert clock_time(t, "Asia/Jakarta", "id") == "09.03.04"
    assert clock_time(t, "Asia/Jakarta", "en") == "09:03:04"
    assert clock_time(t + 999, "Asia/Jakarta", "en") == "09:03:04"  # milliseconds are cut, not rounded


def test_clock_time_follows_daylight_saving_where_the_zone_has_it():
    before = _ms(2026, 3, 8, 6, 59, 59)  # 01:59:59 EST
    after = _ms(2026, 3, 8, 7, 0, 0)  # 03:00:00 EDT
    assert clock_time(before, "America/New_York", "en") == "01:59:59"
    assert clock_time(after, "America/New_York", "en") == "03:00:00"


def test_clock_time_without_a_time():
    assert clock_time(None, "Asia/Jakarta", "id") == "--.--.--"
    assert clock_time(None, "Asia/Jakarta", "en") == "--:--:--"


def test_the_display_timezone_defaults_to_jakarta(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("lang = 'en'\nrules = []\n")
    assert load_config(path).display.timezone == "Asia/Jakarta"
    assert load_config(ROOT / "config.toml").display.timezone == "Asia/Jakarta"


def test_another_zone_is_taken(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("rules = []\n[display]\ntimezone = 'Asia/Makassar'\n")
    assert load_config(path).display.timezone == "Asia/Makassar"


@pytest.mark.parametrize("zone", ["Asia/Jakrta", "WIB", "Asia", "", "../../etc/passwd", "/etc/localtime"])
def test_an_unknown_zone_names_the_file_and_the_key(tmp_path, zone):
    path = tmp_path / "shop.toml"
    path.write_text(f"[display]\ntimezone = '{zone}'\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == f"{path}: display.timezone: unknown time zone {zone!r} (an IANA name such as 'Asia/Jakarta')"
