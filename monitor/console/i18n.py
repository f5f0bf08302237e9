"""Words on the console in Indonesian (default) and English.

Numbers are formatted by `monitor.formatting`; this module only holds labels.
"""

from __future__ import annotations

from ..labels import METRIC_LABELS

LANGS = ("id", "en")

_WORDS: dict[str, tuple[str, str]] = {
    # KPI tiles and chart titles
    "entries_per_min": ("Masuk/mnt", "Entries/min"),
    "comments_per_min": ("Komentar/mnt", "Comments/min"),
    "gmv_per_min": ("GMV/mnt", "GMV/min"),
    "baseline": ("vs dasar", "vs base"),
    "small_sample": ("sampel kecil", "small sample"),
    "target": ("target", "target"),
    # funnel
    "funnel": ("Corong", "Funnel"),
    # alerts
    "alerts": ("Peringatan", "Alerts"),
    "all_clear": ("Aman — tidak ada peringatan aktif", "All clear — no active alert"),
    "firing": ("AKTIF", "FIRING"),
    "resolved": ("selesai", "resolved"),
    "acked": ("dikonfirmasi", "acknowledged"),
    "muted": ("dibisukan", "muted"),
    "more_firing": ("+{n} lainnya aktif", "+{n} more firing"),
    "info": ("INFO", "INFO"),
    "warning": ("WASPADA", "WARNING"),
    "critical": ("KRITIS", "CRITICAL"),
    # comments
    "no_comments": ("Belum ada komentar", "No comments yet"),
    # header and feed state
    "room": ("Ruang", "Room"),
    "waiting": ("Menunggu data…", "Waiting for data…"),
    "replay": ("putar ulang", "replay"),
    "live": ("langsung", "live"),
    "connecting": ("menghubungkan", "connecting"),
    "connected": ("terhubung", "connected"),
    "disconnected": ("terputus", "disconnected"),
    "ended": ("selesai", "ended"),
    "error": ("galat", "error"),
    "offline": ("menunggu siaran dimulai", "waiting for the broadcast to start"),
    "broadcast_ended": ("siaran berakhir", "the broadcast ended"),
    "report_hint": ("Siaran berakhir. Buat laporannya: {command}", "The broadcast ended. Make its report: {command}"),
    # why a TikTok room cannot be watched (feeds/tiktok.py sets the key; the CLI prints it too)
    "tiktok_age_restricted": (
        "siaran ini dibatasi usia: isi LIVEMON_TIKTOK_SESSIONID dan LIVEMON_TIKTOK_TARGET_IDC dari akun yang login",
        "this broadcast is age-restricted: set LIVEMON_TIKTOK_SESSIONID and LIVEMON_TIKTOK_TARGET_IDC from a logged-in account",
    ),
    "tiktok_session_rejected": (
        "sesi di LIVEMON_TIKTOK_SESSIONID tidak membuka siaran berbatas usia ini: login ulang dan salin sessionid baru",
        "the session in LIVEMON_TIKTOK_SESSIONID does not open this age-restricted broadcast: log in again and copy a fresh sessionid",
    ),
    "tiktok_session_not_allowed": (
        "TikTokLive tidak mengirim sessionid ke server tanda tangan sebelum WHITELIST_AUTHENTICATED_SESSION_ID_HOST diisi",
        "TikTokLive will not send the sessionid to the sign server until WHITELIST_AUTHENTICATED_SESSION_ID_HOST names it",
    ),
    "tiktok_no_such_user": (
        "akun TikTok ini tidak ada atau belum pernah LIVE",
        "this TikTok account does not exist or has never gone LIVE",
    ),
    "paused": ("JEDA", "PAUSED"),
    "seeking": ("mencari", "seeking"),
    "elapsed": ("durasi", "elapsed"),
    "events": ("event", "events"),
    "rejected": ("ditolak", "rejected"),
    "late": ("terlambat", "late"),
    # thresholds screen
    "thresholds": ("Ambang batas", "Thresholds"),
    "rule": ("aturan", "rule"),
    "metric": ("metrik", "metric"),
    "kind": ("jenis", "kind"),
    "severity": ("tingkat", "severity"),
    "not_used": ("{field} tidak dipakai aturan '{kind}'", "{field} is not used by a '{kind}' rule"),
    "editable": ("Yang bisa diubah: {fields}", "Editable: {fields}"),
    "not_a_number": ("'{text}' bukan angka", "'{text}' is not a number"),
    "applied": ("{rule}.{field} = {value} — berlaku sekarang", "{rule}.{field} = {value} — applied now"),
    "saved": ("Tersimpan ke {path}", "Saved to {path}"),
    "unsaved": ("ada perubahan belum disimpan (s: simpan)", "unsaved changes (s: save)"),
    "reloaded": ("{path} dimuat ulang", "{path} reloaded"),
    "config_error": ("Konfigurasi tidak valid, aturan lama tetap dipakai: {error}",
                     "Invalid config, keeping the old rules: {error}"),
    "edit_hint": ("Enter: ubah · spasi: aktif/nonaktif · s: simpan · Esc: kembali",
                  "Enter: edit · space: enable/disable · s: save · Esc: back"),
    # notices
    "live_no_replay": ("Feed langsung: kontrol putar ulang tidak tersedia", "Live feed: replay controls are not available"),
    "muted_rule": ("{rule} dibisukan 10 menit", "{rule} muted for 10 minutes"),
    "acked_alert": ("{rule} dikonfirmasi", "{rule} acknowledged"),
    "no_alert_selected": ("Tidak ada peringatan dipilih", "No alert selected"),
    "help": ("Bantuan", "Help"),
    "keys": ("Tombol", "Keys"),
}

#: (key as shown, id, en): the help screen and the README table.
KEYS: tuple[tuple[str, str, str], ...] = (
    ("space", "jeda / lanjut putar ulang", "pause / resume the replay"),
    ("+ / -", "kecepatan 1x 2x 5x 10x 30x maks", "speed 1x 2x 5x 10x 30x max"),
    ("← / →", "mundur / maju 1 menit", "seek back / forward 1 minute"),
    ("↑ / ↓", "pilih peringatan", "select an alert"),
    ("a", "konfirmasi peringatan terpilih", "acknowledge the selected alert"),
    ("m", "bisukan aturannya 10 menit", "mute its rule for 10 minutes"),
    ("[ / ] / 1-9", "ruang sebelumnya / berikutnya / ke-n", "previous / next / n-th room"),
    ("o", "ikhtisar semua ruang", "overview of every room"),
    ("t", "layar ambang batas", "thresholds screen"),
    ("enter", "(ambang) ubah nilai", "(thresholds) edit the value"),
    ("space", "(ambang) aktif / nonaktif", "(thresholds) enable / disable"),
    ("s", "(ambang) simpan ke config.toml", "(thresholds) save to config.toml"),
    ("l", "bahasa Indonesia / English", "language Indonesian / English"),
    ("?", "bantuan", "this help"),
    ("ctrl+p", "palet perintah", "command palette"),
    ("q", "keluar", "quit"),
)

#: Footer descriptions of the bindings, by action.
ACTIONS: dict[str, tuple[str, str]] = {
    "toggle_pause": ("Jeda", "Pause"),
    "faster": ("Cepat", "Faster"),
    "slower": ("Lambat", "Slower"),
    "seek(-60)": ("-1 mnt", "-1 min"),
    "seek(60)": ("+1 mnt", "+1 min"),
    "ack": ("Konfirmasi", "Ack"),
    "mute": ("Bisukan", "Mute"),
    "thresholds": ("Ambang", "Thresholds"),
    "toggle_lang": ("Bahasa", "Language"),
    "help": ("Bantuan", "Help"),
    "quit": ("Keluar", "Quit"),
    "edit": ("Ubah", "Edit"),
    "toggle_enabled": ("Aktif", "Enable"),
    "save": ("Simpan", "Save"),
    "back": ("Kembali", "Back"),
    "dismiss": ("Tutup", "Close"),
}


def tr(key: str, lang: str, **fields: object) -> str:
    """The word for `key` in `lang`; unknown keys show as themselves."""
    pair = _WORDS.get(key) or METRIC_LABELS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "id" else pair[1]
    return text.format(**fields) if fields else text


def action_label(action: str, lang: str) -> str:
    pair = ACTIONS.get(action.removeprefix("app."))
    if pair is None:
        return action
    return pair[0] if lang == "id" else pair[1]
