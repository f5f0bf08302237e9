"""The post-session report and the history of past sessions (issue 6).

The same pipeline and engine as the console and `--headless` read the
recording; a sink (`session.SessionCollector`) keeps one row per room and
minute, the alerts, the host actions and each product's session values at the
last tick. From those: `report.html` (in the report's language, times on the
broadcast's clock),
`minutes.csv`, `minutes.parquet`, `summary.json`, an entry per room in the
history (`history.History`), and the comparison with past sessions and
category targets (`compare`).
"""

from .build import Report, build_report, terminal_text
from .history import History
from .session import RoomSession, SessionCollector

__all__ = ["Report", "build_report", "terminal_text", "History", "RoomSession", "SessionCollector"]
