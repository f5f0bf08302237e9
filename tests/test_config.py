"""Config validation names the file, the table and the key (a rule by its name)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import DEFAULT_CONFIG, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = "message={id='x',en='y'}\n"


def livemon(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, cwd=cwd)


def test_the_shipped_config_is_valid_and_covers_the_default_rule_set():
    config = load_config(ROOT / "config.toml")
    metrics = {rule.metric for rule in config.rules}
    kinds = {rule.kind for rule in config.rules}
    assert {"retention", "interaction_rate", "access_rate", "ctr", "click_to_order", "viewers", "gmv", "events"} <= metrics
    assert {"drop", "rise", "below", "stale"} <= kinds
    for rule in config.rules:  # each names the problem and the action, in both languages
        assert rule.message is None and rule.problem.id and rule.problem.en, rule.name
        assert rule.action.id and rule.action.en and "—" not in rule.action.id + rule.problem.id, rule.name


def test_check_config_ok_prints_a_summary():
    result = livemon("check-config")
    assert result.returncode == 0
    assert result.stdout.startswith("config.toml: ok: 13 rules")


def rule(body: str, name: str = "a") -> str:
    return f"[[rules]]\nname='{name}'\n{body}\n{MESSAGE}"


BAD = [
    (rule("metric='ctr'\nkind='below'\nthreshold=0.1\nfor_s=-1"), 'rules["a"].for_s: must be >= 0'),
    ("[engine]\nwindow_s = 0\n", "engine.window_s: must be >= 1"),
    ("[engine]\nwindw_s = 60\n", "engine.windw_s: is not a known key"),
    ("[engine]\ntick_s = 7\n", "engine: window_s must be a multiple of tick_s (7)"),
    ("lang = 'fr'\n", "lang: must be 'id' or 'en'"),
    (rule("metric='ctrr'\nkind='below'\nthreshold=1"), 'rules["a"]: unknown metric \'ctrr\''),
    (rule("metric='ctr'\nkind='drop'"), 'rules["a"]: a drop rule needs change_pct'),
    ("[[rules]]\nname='a'\nmetric='ctr'\nkind='below'\nthreshold=1\n",
     'rules["a"]: a rule needs problem.id / problem.en (and action.id / action.en), or message.id / message.en'),
    ("lang = \n", "not valid TOML"),
    # a rule without a usable name is named by its place
    ("[[rules]]\nmetric='ctr'\nkind='below'\nthreshold=0.1\n" + MESSAGE, "rules[0].name: is required"),
    (rule("metric='ctr'\nkind='below'\nthreshold=0.1", name="") + rule("metric='ctr'\nkind='below'\nthreshold=2"),
     "rules[0].name: must not be empty"),
    (rule("metric='ctr'\nkind='below'\nthreshold=0.1", name="b") + rule("metric='ctr'\nkind='below'\nthreshold=-2", name="c"),
     'rules["c"].threshold: ctr is a fraction from 0 to 1 (0.05 means 5%), not -2'),
    (rule("metric='ctr'\nkind='below'\nthreshold=0.1") * 2, 'rules["a"]: the name is used twice'),
    # placeholders: only the four the engine fills
    ("[[rules]]\nname='retention_drop'\nmetric='retention'\nkind='drop'\nchange_pct=25\n"
     "message={id='Retensi turun {chnage}',en='Retention down {change}'}\n",
     'rules["retention_drop"].message.id: unknown placeholder {chnage}; use {value}, {baseline}, {threshold}, {change}'),
    ("[[rules]]\nname='a'\nmetric='ctr'\nkind='below'\nthreshold=0.1\nmessage={id='x',en='CTR {}'}\n",
     'rules["a"].message.en: unknown placeholder {}'),
    ("[[rules]]\nname='a'\nmetric='ctr'\nkind='below'\nthreshold=0.1\nmessage={id='CTR {value',en='y'}\n",
     'rules["a"].message.id: cannot be formatted'),
    ("[[rules]]\nname='a'\nmetric='ctr'\nkind='below'\nthreshold=0.1\nmessage={id='CTR {value:.1f}',en='y'}\n",
     'rules["a"].message.id: cannot be formatted'),
    ("[[rules]]\nname='a'\nmetric='ctr'\nkind='below'\nthreshold=0.1\nmessage={id='CTR {value.real}',en='y'}\n",
     'rules["a"].message.id: unknown placeholder {value.real}'),
    # a drop of 100% or more can never happen
    (rule("metric='retention'\nkind='drop'\nchange_pct=100"), 'rules["a"].change_pct: a drop of 100% can never fire'),
    (rule("metric='viewers'\nkind='drop'\nchange_pct=150"), 'rules["a"].change_pct: a drop of 150% can never fire'),
    # thresholds a value can never cross
    (rule("metric='retention'\nkind='below'\nthreshold=40"), 'rules["a"].threshold: retention is a fraction from 0 to 1'),
    (rule("metric='interaction_rate'\nkind='above'\nthreshold=1.5"), 'rules["a"].threshold: interaction_rate is a fraction'),
    (rule("metric='ctr'\nkind='above'\nthreshold=1"), 'rules["a"].threshold: an above rule with threshold 1 can never fire'),
    (rule("metric='gmv'\nkind='below'\nthreshold=0"), 'rules["a"].threshold: a below rule with threshold 0 can never fire'),
    (rule("metric='access_rate'\nkind='above'\nthreshold=-0.5"), 'rules["a"].threshold: must be >= 0'),
    (rule("metric='viewers'\nkind='below'\nthreshold=nan"), 'rules["a"].threshold: must be a finite number'),
    # a file must say what it means
    ("", "the file is empty"),
    ("# only a comment\n\n", "the file is empty"),
    ("lang = 'en'\n[engine]\nwindow_s = 60\n", "rules: there is no [[rules]] table; add rules, or write `rules = []`"),
    (b"lang = 'id'\n# caf\xe9\nrules = []\n", "not UTF-8 text: byte 0xe9 at offset 17"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_config_names_file_and_key(tmp_path, text, message):
    path = tmp_path / "config.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)
    assert "\n" not in str(error.value)  # one line


# access_rate and click_to_order may pass 1 in odd streams (entries via a shared link, several orders per click)
@pytest.mark.parametrize("body", [
    "metric='access_rate'\nkind='above'\nthreshold=1.5",
    "metric='click_to_order'\nkind='below'\nthreshold=1.2",
    "metric='viewers'\nkind='rise'\nchange_pct=150",  # a rise may be more than 100%
    "metric='retention'\nkind='below'\nthreshold=1",
    "metric='ctr'\nkind='above'\nthreshold=0",
])
def test_thresholds_a_value_can_cross_are_accepted(tmp_path, body):
    path = tmp_path / "config.toml"
    path.write_text(rule(body))
    assert len(load_config(path).rules) == 1


def test_an_explicitly_empty_rule_set_is_allowed_and_said(tmp_path):
    path = tmp_path / "quiet.toml"
    path.write_text("# no alerts for this shop\nrules = []\n\n[engine]\nwindow_s = 60\n")
    assert load_config(path).rules == []
    result = livemon("check-config", str(path))
    assert result.returncode == 0
    assert result.stdout.startswith(f"{path}: ok: 0 rules (explicitly empty: no alerts)")


def test_the_shipped_defaults_are_a_file_of_their_own_identical_to_config_toml():
    """config.toml documents the defaults; the package reads its own copy (a save never writes into the package)."""
    assert not DEFAULT_CONFIG.is_symlink()
    assert DEFAULT_CONFIG.read_bytes() == (ROOT / "config.toml").read_bytes()


def test_the_shipped_config_rings_and_stays_off_the_desktop():
    console = load_config(DEFAULT_CONFIG).console
    assert console.bell is True and console.desktop_notify is False


def test_check_config_exits_1_with_the_key(tmp_path):
    path = tmp_path / "shop.toml"
    path.write_text(BAD[0][0])
    result = livemon("check-config", str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == f'{path}: rules["a"].for_s: must be >= 0'
    assert result.stdout == ""


def test_check_config_says_which_shop_secrets_are_set_never_their_values(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('rules = []\n[sources.tiktok_shop]\napp_key = "key-in-file-3141"\napp_secret = "secret-in-file-2718"\n'
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
