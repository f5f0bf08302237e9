"""Names of the metrics in Indonesian and English: one table for the console, the report and alerts."""

from __future__ import annotations

METRIC_LABELS: dict[str, tuple[str, str]] = {
    "viewers": ("Penonton", "Viewers"),
    "viewers_in_window": ("Penonton dalam jendela", "Viewers in window"),
    "viewer_seconds": ("Detik tonton", "Viewer seconds"),
    "impressions": ("Tayangan live", "Live impressions"),
    "entries": ("Masuk", "Entries"),
    "exits": ("Keluar", "Exits"),
    "likes": ("Suka", "Likes"),
    "comments": ("Komentar", "Comments"),
    "shares": ("Bagikan", "Shares"),
    "follows": ("Ikuti", "Follows"),
    "product_impressions": ("Tayangan produk", "Product views"),
    "product_clicks": ("Klik produk", "Product clicks"),
    "orders": ("Pesanan", "Orders"),
    "units": ("Unit", "Units"),
    "gmv": ("GMV", "GMV"),
    "access_rate": ("Rasio akses", "Access rate"),
    "avg_watch_s": ("Rata² tonton", "Avg watch"),
    "retention": ("Retensi", "Retention"),
    "interaction_rate": ("Interaksi", "Interaction"),
    "ctr": ("CTR produk", "Product CTR"),
    "click_to_order": ("Klik→pesan (C_O)", "Click→order (C_O)"),
    "aov": ("Nilai pesanan rata²", "Avg order value"),
    "gpm": ("GPM", "GPM"),
    "gmv_total": ("GMV sesi", "Session GMV"),
    "orders_total": ("Pesanan sesi", "Session orders"),
    "entries_total": ("Masuk sesi", "Session entries"),
    "peak_viewers": ("Penonton puncak", "Peak viewers"),
    "duration_s": ("Durasi", "Duration"),
    "events": ("Data feed", "Feed data"),
}


def metric_label(metric: str, lang: str = "id") -> str:
    words = METRIC_LABELS.get(metric)
    if words is None:
        return metric.replace("_", " ")
    return words[0] if lang == "id" else words[1]
