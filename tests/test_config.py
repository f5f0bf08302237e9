"""Config validation names the file, the table and the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def livemon(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, cwd=cwd)


def test_the_shipped_config_is_valid_and_covers_the_default_rule_set():
    config = load_config(ROOT / "config.toml")
    metrics = {rule.metric for rule in config.rules}
    kinds = {rule.kind for rule in config.rules}
    assert {"retention", "interaction_rate", "access_rate", "ctr", "click_to_order", "viewers", "gmv", "events"} <= metrics
    assert {"drop", "rise", "below", "stale"} <= kinds
    for rule in config.rules:
        assert "—" in rule.message.id and "—" in rule.message.en, f"{rule.name}: problem — action"


def test_check_config_ok_prints_a_summary():
    result = livemon("check-config")
    assert result.returncode == 0
    assert result.stdout.startswith("config.toml: ok: 10 rules")


BAD = [
    ("[[rules]]\nname='a'\nmetric='ctr'\nkind='below'\nthreshold=0.1\nfor_s=-1\nmessage={id='x',en='y'}\n",
     "rules[0].for_s: must be >= 0"),
    ("[engine]\nwindow_s = 0\n", "engine.window_s: must be >= 1"),
    ("[engine]\nwindw_s = 60\n", "engine.windw_s: is not a known key"),
    ("[engine]\ntick_s = 7\n", "engine: window_s must be a multiple of tick_s (7)"),
    ("lang = 'fr'\n", "lang: must be 'id' or 'en'"),
    ("[[rules]]\nname='a'\nmetric='ctrr'\nkind='below'\nthreshold=1\nmessage={id='x',en='y'}\n",
     "rules[0]: unknown metric 'ctrr'"),
    ("[[rules]]\nname='a'\nmetric='ctr'\nkind='drop'\nmessage={id='x',en='y'}\n", "rules[0]: a drop rule needs change_pct"),
    ("[[rules]]\nname='a'\nmetric='ctr'\nkind='below'\nthreshold=1\n", "rules[0].message: is required"),
    ("lang = \n", "not valid TOML"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_check_config_exits_1_with_the_key(tmp_path):
    path = tmp_path / "shop.toml"
    path.write_text(BAD[0][0])
    result = livemon("check-config", str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == f"{path}: rules[0].for_s: must be >= 0"
    assert result.stdout == ""


def test_check_config_says_which_shop_secrets_are_set_never_their_values(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[sources.tiktok_shop]\napp_key = "key-in-file-3141"\napp_secret = "secret-in-file-2718"\n'
                    '[sources.shopee]\npartner_id = "2001"\n')
    import os

    environment = {**os.environ, "LIVEMON_TTS_ACCESS_TOKEN": "token-in-env-1618"}
    result = subprocess.run([sys.executable, "-m", "monitor", "check-config", str(path)], capture_output=True,
                            text=True, cwd=ROOT, env=environment)
    assert result.returncode == 0, result.stderr
    assert "sources.tiktok_shop: app_key set (config file), app_secret set (config file), " \
           "access_token set (environment), shop_cipher not set; ready" in result.stdout
    assert "sources.shopee: partner_id set (config file), partner_key not set" in result.stdout
    assert "missing for use: partner_key, access_token, shop_id" in result.stdout
    for secret in ("key-in-file-3141", "secret-in-file-2718", "token-in-env-1618"):
        assert secret not in result.stdout + result.stderr


def test_shop_tables_are_checked_like_the_rest():
    with pytest.raises(ConfigError, match=r"sources.tiktok_shop.poll_s: must be > 0"):
        from monitor.config import parse_config

        parse_config({"sources": {"tiktok_shop": {"poll_s": 0}}}, "c.toml")
    with pytest.raises(ConfigError, match=r"broadcast.orders: must be"):
        from monitor.config import parse_config

        parse_config({"broadcast": {"orders": "lazada"}}, "c.toml")
    from monitor.config import parse_config

    config = parse_config({"sources": {"shopee": {"partner_key": "pk-9999"}}}, "c.toml")
    assert "pk-9999" not in repr(config) and "pk-9999" not in str(config.sources.shopee)
