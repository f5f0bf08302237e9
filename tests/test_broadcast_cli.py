"""`livemon watch ws://... --orders tiktok-shop --headless` as a user runs it, with the fake shop on 127.0.0.1.

The audience comes from `livemon serve`, the orders from the fake Partner API;
the secrets go in the environment only, and nothing the run leaves behind
(stdout, stderr, the recording, the dead letters, the history) may hold them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import orjson

from .shop_fakes import TTS, FakeTikTokShop
from .test_feeds_cli import ROOT, livemon, serve


def audience(path: Path) -> None:
    start = int(time.time() * 1000)
    lines = []
    for index in range(40):  # 8 s at --speed 1: long enough for the poller to find the orders
        kind = ("viewer_join", "like", "comment", "product_click")[index % 4]
        record = {"type": kind, "ts": start + index * 200, "room": "toko", "user": f"u{index % 9}"}
        if kind == "comment":
            record["text"] = "mau kak"
        if kind == "product_click":
            record["product"] = "sku-7"
        lines.append(orjson.dumps(record))
    path.write_bytes(b"\n".join(lines) + b"\n")


def config_text(folder: Path, shop_url: str) -> str:
    return f"""rules = []
[engine]
window_s = 10

[input]
dead_letter = "{folder / 'dead.jsonl'}"

[history]
dir = "{folder / 'history'}"

[broadcast]
room = "toko"

[sources.tiktok_shop]
base_url = "{shop_url}"
poll_s = 0.2
"""


def test_watch_merges_the_shops_orders_into_the_room_and_leaks_no_secret(tmp_path):
    session, config, recording = tmp_path / "audience.jsonl", tmp_path / "config.toml", tmp_path / "rec.jsonl"
    audience(session)
    with FakeTikTokShop() as fake:
        config.write_text(config_text(tmp_path, fake.url))
        fake.fail_next(500, {"code": 1, "message": f"busy; token {TTS['LIVEMON_TTS_ACCESS_TOKEN']} rate limited"})
        server, url = serve(str(session), "--speed", "1", "--config", str(config))
        argv = ["-v", "watch", url, "--orders", "tiktok-shop", "--headless", "--record", str(recording),
                "--save-history", "--config", str(config)]
        watcher = livemon(*argv, env={**os.environ, **TTS})
        deadline = time.monotonic() + 20
        while not fake.search_ranges and time.monotonic() < deadline and watcher.poll() is None:
            time.sleep(0.02)  # the poller has begun: orders from now on are this broadcast's
        assert fake.search_ranges, watcher.communicate(timeout=10)[1].decode()
        started = fake.search_ranges[0][0]
        fake.add_order("o-1", started, "259000")
        fake.add_order("o-2", started + 1, "41000", products=("sku-7", "sku-9"))
        fake.add_order("o-bad", started + 1, amount=None)
        out, errors = watcher.communicate(timeout=60)
        assert server.wait(timeout=10) == 0
    assert watcher.returncode == 0, errors.decode()
    records = [orjson.loads(line) for line in out.splitlines()]
    last = [record for record in records if record["kind"] == "metrics" and record["room"] == "toko"][-1]
    assert last["orders_total"] == 2 and last["gmv_total"] == 300_000
    summary = records[-1]
    assert summary["kind"] == "summary" and summary["rejected"] == {"bad_value": 1} and summary["late"] == 0
    assert b"o-bad" in (tmp_path / "dead.jsonl").read_bytes()
    assert b"***" in errors  # the token the server echoed was blotted out of the warning
    # the recording keeps the orders and the progress, and replays to the same numbers
    assert b'"progress":"tiktok-shop"' in recording.read_bytes()
    replayed = subprocess.run([sys.executable, "-m", "monitor", "replay", str(recording), "--headless", "--speed", "max",
                               "--config", str(config)], cwd=ROOT, capture_output=True, check=True)
    again = [orjson.loads(line) for line in replayed.stdout.splitlines()]
    assert [r for r in again if r["kind"] == "metrics"][-1]["orders_total"] == 2
    # no secret anywhere: the command line, the output, the logs, the files left behind
    left = [out, errors, recording.read_bytes(), (tmp_path / "dead.jsonl").read_bytes(), " ".join(argv).encode()]
    left += [path.read_bytes() for path in (tmp_path / "history").rglob("*") if path.is_file()]
    assert len(left) > 5  # the history was written
    assert not [(secret, index) for secret in TTS.values() for index, text in enumerate(left) if secret.encode() in text]


def test_orders_need_their_credentials(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("rules = []\n[broadcast]\norders = \"tiktok-shop\"\n")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LIVEMON_")}
    done = subprocess.run([sys.executable, "-m", "monitor", "watch", "ws://127.0.0.1:9", "--headless", "--config", str(config)],
                          cwd=ROOT, capture_output=True, text=True, env=environment, timeout=30)
    assert done.returncode == 1
    assert done.stderr.strip() == ("sources.tiktok_shop: not set: app_key (LIVEMON_TTS_APP_KEY), app_secret "
                                   "(LIVEMON_TTS_APP_SECRET), access_token (LIVEMON_TTS_ACCESS_TOKEN); "
                                   "set them in the environment or config.toml")


def test_watch_a_shopee_session_until_sigterm_and_leak_no_secret(tmp_path):
    import signal

    from .shop_fakes import SHOPEE, FakeShopee

    config = tmp_path / "config.toml"
    with FakeShopee() as fake:
        config.write_text(f'rules = []\n[engine]\nwindow_s = 10\n[sources.shopee]\nbase_url = "{fake.url}"\npoll_s = 0.2\n')
        now = int(time.time())
        fake.metrics = [{"ccu": 40, "likes": 100, "views": 500, "orders": 0, "gmv": 0},
                        {"ccu": 42, "likes": 120, "views": 510, "orders": 2, "gmv": 150_000}]
        fake.comments = [{"comment_id": 7, "content": "\x1b[31mmerah\x1b[0m kak", "timestamp": now, "user_id": 501}]
        fake.fail_next(500, {"error": "error_server", "message": f"busy for {SHOPEE['LIVEMON_SHOPEE_PARTNER_KEY']}"})
        watcher = livemon("watch", "shopee:6236215", "--headless", "--config", str(config), env={**os.environ, **SHOPEE})
        deadline = time.monotonic() + 20
        while fake.metric_calls < 4 and time.monotonic() < deadline and watcher.poll() is None:
            time.sleep(0.05)
        watcher.send_signal(signal.SIGTERM)
        out, errors = watcher.communicate(timeout=20)
    assert watcher.returncode == 0, errors.decode()
    records = [orjson.loads(line) for line in out.splitlines()]
    summary = records[-1]  # (SIGTERM within the allowed lateness: the ticks are not due yet, the events are counted)
    assert summary["kind"] == "summary" and summary["rejected"] == {} and summary["late"] == 0
    # the first three metric calls' polls were whole before the fourth call (a poll asks for the metrics, then the
    # comments, then hands its batch on): three viewer counts, a like, a comment, ten entries, two orders
    assert summary["events"] >= 3 + 1 + 1 + 10 + 2
    assert b"***" in errors
    assert not [secret for secret in SHOPEE.values() if len(secret) > 7 and secret.encode() in out + errors]
