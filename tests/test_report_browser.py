"""report.html in a real browser: headless Chromium (Debian's `chromium`), no network.

Skipped where Chromium is absent; `.ci/run` installs it so CI runs this.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import pytest

from monitor.report import build_report

from .test_report import known_session, write_jsonl

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed (apt-get install chromium)")

LINE_BLUE = (0x38, 0x67, 0xD6)  # .chart .line in page.py; nothing else on the page has this colour

#: Appended to a copy of the page: counts the charts the browser laid out and
#: drew, and every script error, into an attribute `--dump-dom` shows.
PROBE = """<script>
const charts = [...document.querySelectorAll('svg.chart')];
const drawn = charts.filter(svg => {
  const box = svg.getBoundingClientRect(), line = svg.querySelector('path.line');
  return box.width > 200 && box.height > 50 && line && line.getTotalLength() > 50;
}).length;
document.body.setAttribute('data-probe', JSON.stringify({charts: charts.length, drawn, errors: window.__errors}));
</script>"""
ERRORS = "<script>window.__errors = []; addEventListener('error', e => window.__errors.push(String(e.message)));</script>"


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    from monitor.config import load_config

    tmp = tmp_path_factory.mktemp("browser")
    base = load_config()
    config_ = base.model_copy(update={"history": base.history.model_copy(update={"dir": str(tmp / "history")})})
    try:
        from feeds.simulator import write_session

        source = tmp / "session.jsonl"
        write_session(source, "retention_drop", 1200, seed=5)
    except ImportError:
        source = write_jsonl(tmp / "session.jsonl", known_session())
    return build_report(source, config_, tmp / "out").html


def test_the_page_loads_without_errors_and_draws_every_chart(report_html, tmp_path):
    page = report_html.read_text()
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("<head>", "<head>" + ERRORS, 1).replace("</body>", PROBE + "</body>", 1))
    result = chromium("--dump-dom", probed.as_uri(), profile=tmp_path / "profile")
    match = re.search(r"data-probe=\"([^\"]*)\"", result.stdout)
    assert match, result.stderr[-2000:]
    probe = json.loads(match.group(1).replace("&quot;", '"'))
    assert probe == {"charts": 9, "drawn": 9, "errors": []}
    original = chromium("--dump-dom", report_html.as_uri(), profile=tmp_path / "profile")
    assert "Uncaught" not in original.stderr
    assert "<svg" in original.stdout


#: A page that reads a screenshot back into a canvas and counts the pixels of the chart lines.
COUNT_LINE_PIXELS = """<!DOCTYPE html><body><img id="shot" src="data:image/png;base64,{png}">
<script>
addEventListener('load', () => {{
  const img = document.getElementById('shot'), canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let line = 0;
  for (let i = 0; i < data.length; i += 4)
    if (Math.abs(data[i] - {r}) <= 24 && Math.abs(data[i + 1] - {g}) <= 24 && Math.abs(data[i + 2] - {b}) <= 24) line++;
  document.body.setAttribute('data-count', JSON.stringify({{width: canvas.width, height: canvas.height, line}}));
}});
</script></body>"""


def test_a_screenshot_shows_the_charts(report_html, tmp_path):
    shot = tmp_path / "report.png"
    chromium("--window-size=1200,2400", "--hide-scrollbars", f"--screenshot={shot}", report_html.as_uri(),
             profile=tmp_path / "profile")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    counter = tmp_path / "count.html"
    r, g, b = LINE_BLUE
    counter.write_text(COUNT_LINE_PIXELS.format(png=base64.b64encode(shot.read_bytes()).decode(), r=r, g=g, b=b))
    result = chromium("--dump-dom", counter.as_uri(), profile=tmp_path / "profile")
    match = re.search(r'data-count="([^"]*)"', result.stdout)
    assert match, result.stderr[-2000:]
    count = json.loads(match.group(1).replace("&quot;", '"'))
    assert (count["width"], count["height"]) == (1200, 2400)
    assert count["line"] > 2000, "no chart lines in the screenshot"
