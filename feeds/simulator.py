"""Synthetic live-commerce broadcasts with known problems at known minutes.

Why: the alert rules can only be trusted if we can show them a broadcast whose
truth we know. Each scenario is a normal broadcast (the funnel of the seller
guide: live impressions -> entries -> watch time -> interaction -> product
clicks -> orders) in which one stage breaks at `problem_start` and the host
fixes it a few minutes later. Everything is drawn from `random.Random`, seeded
per room, so the same seed gives the same events on every machine.

The model runs one second of event time at a time: counts per second are
Poisson draws from the current rates, viewers' leaves are scheduled at join
(heavy-tailed stays) and kept in a heap, and the second's events are sorted by
`ts` before they are yielded. That keeps the per-event work to a few random
draws and one dict, so tens of millions of events stay cheap for benchmarks.
"""

from __future__ import annotations

import gzip
import heapq
import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Iterator

import orjson

#: Default broadcast start (prime time in Jakarta).
DEFAULT_START = "2026-11-22T19:00:00+07:00"

#: Room names in order; rooms beyond these are `room-N`.
ROOM_NAMES = (
    "toko-batik", "butik-sari", "kosmetik-ayu", "hijab-nisa",
    "sepatu-keren", "dapur-bunda", "gadget-murah", "mainan-anak",
)

#: Columns of the CSV / Parquet files (the contract's field names).
COLUMNS = ("type", "ts", "room", "user", "count", "text", "product", "quantity", "amount", "order_id", "action", "note")

#: A live chat: greetings, praise and orders mostly, a question now and then (about one comment in six).
COMMENTS = (
    "merah kak", "ready size L?", "mau 2 kak", "udah checkout kak", "izin nonton kak", "halo kak dari bandung",
    "cantik bgt", "mau kak", "spill yg biru", "kak sapa aku dong", "cocok buat kerja", "", "😍😍", "🔥🔥🔥",
    "halo kak", "salam dari medan", "mantap kak", "bagus banget", "aku mau yang merah", "keren kak",
    "semangat kak jualannya", "hadir kak", "wah lucu", "udah co ya kak", "aku udah order kemarin, bagus",
    "kak cantik", "nonton dari jakarta", "suka bgt motifnya", "mau dong", "hijau kak", "pas dipakai",
    "kualitasnya oke kak, udah repeat", "ditunggu flash salenya", "kak suaranya merdu", "keranjang kuning ya",
    "spill harga dong", "ongkir ke surabaya berapa?", "bahannya adem ga kak?", "size M ada?", "kapan restock kak?",
)
#: What viewers ask when the host never says the price or how to buy (the `price_questions` scenario).
PRICE_QUESTIONS = (
    "harga nya brp kak", "berapa kak?", "harganya berapa?", "spill harga dong", "brp kak yg merah",
    "harga yg biru berapa kak", "cara checkout gimana kak?", "harga kak", "ini berapaan kak?",
)
CTA_COMMENTS = ("merah", "hijau", "merah kak", "hijau!!", "merah 😍", "hijau kak")

PRODUCT_NAMES = (
    "Kemeja Batik Parang", "Dress Batik Mega Mendung", "Blouse Kawung", "Outer Tenun Lurik",
    "Rok Plisket Batik", "Kain Jarik Sogan", "Hijab Voal Motif", "Tas Anyaman Rotan",
    "Sarimbit Couple", "Kemeja Batik Anak", "Scarf Sutra Batik", "Celana Kulot Batik",
)


@dataclass(frozen=True, slots=True)
class BroadcastParams:
    """Rates of a normal broadcast (per second of event time, before `rate_scale`).

    The defaults give ~350-400 concurrent viewers, ~30 events/s and an order
    every ~4-5 s: a busy shop. Orders are that frequent on purpose: C_O over a
    60 s window is only worth judging with ~10 orders in it, so a quieter shop
    could not show a conversion problem apart from chance.
    """

    impressions_per_s: float = 30.0        # live impressions (exposure in the feed)
    access_rate: float = 0.10              # rasio akses: share of impressions that enter
    start_push: float = 16.0               # extra impressions at the start (followers notified) ...
    start_push_tau_s: float = 8.0          # ... decaying with this time constant
    short_stay_median_s: float = 45.0      # most visits: lognormal stay
    short_stay_sigma: float = 1.0
    long_stay_share: float = 0.25          # loyal viewers: exponential stay with a long mean
    long_stay_mean_s: float = 300.0
    min_stay_s: float = 2.0
    returning_share: float = 0.05          # joins by someone who left earlier
    engaged_share: float = 0.30            # viewers who like and comment at all
    likes_per_engaged_s: float = 0.10      # like events (each a batch of taps)
    taps_per_like: float = 6.0
    comments_per_engaged_s: float = 0.025
    shares_per_viewer_s: float = 0.0004
    follows_per_viewer_s: float = 0.0008
    product_views_per_viewer_s: float = 0.10  # product card impressions
    ctr: float = 0.06                      # product clicks / product impressions
    click_to_order: float = 0.10           # C_O
    impression_batches_per_s: float = 2.0  # live_impression events carry counts
    product_batches_per_s: float = 4.0     # product_impression events carry counts
    host_action_every_s: float = 150.0
    products: int = 8
    price_min: int = 49_000
    price_max: int = 399_000


@dataclass(frozen=True, slots=True)
class Effect:
    """What a problem does to the broadcast while it lasts (multipliers on the rates)."""

    impressions: float = 1.0
    access: float = 1.0
    stay: float = 1.0         # stay of the (non-loyal) viewers who join during the problem
    leave_now: float = 0.0    # share of the last minute's newcomers who leave within half a minute
    engaged: float = 1.0      # share of engaged viewers (existing ones go quiet too)
    ctr: float = 1.0
    conversion: float = 1.0
    frozen: bool = False      # the live and its feed stand still: no event, no viewer leaves
    asking_price: float = 0.0  # share of the comments that ask the price (the host never says it)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named broadcast; its problem begins `problem_start_s` into a 30-minute session.

    For shorter sessions the problem begins at half the duration (`problem_start`).
    """

    name: str
    description: str
    problem_start_s: float | None = 900.0
    problem_duration_s: float = 300.0
    effect: Effect = field(default_factory=Effect)
    fix: tuple[str, str] | None = None  # host_action (action, note) that ends the problem

    def problem_start(self, duration_s: float) -> float | None:
        """The second the problem begins in a session of `duration_s`: min(15 min, half)."""
        if self.problem_start_s is None:
            return None
        return min(self.problem_start_s, duration_s / 2)


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario("normal", "an ordinary broadcast: no problem", None),
        Scenario(
            "retention_drop",
            "the opening hook stops working: newcomers leave within seconds, most of the last minute's arrivals too",
            effect=Effect(stay=0.3, leave_now=0.6),
            fix=("comment_cta", "ajak komentar: ketik 'merah' atau 'hijau'"),
        ),
        Scenario(
            "ctr_drop",
            "the host stops showing the product: cards are seen but rarely opened",
            effect=Effect(ctr=0.3),
            fix=("pin_product", "peragakan produk dan tunjukkan keranjang kuning"),
        ),
        Scenario(
            "conversion_drop",
            "the voucher ran out and the cart shows the full price: clicks almost stop turning into orders",
            effect=Effect(conversion=0.1),
            fix=("flash_sale", "harga khusus 5 menit, stok terbatas"),
        ),
        Scenario(
            "viewer_spike",
            "the live is pushed to the For You feed: three times the impressions for three minutes",
            problem_duration_s=180.0,
            effect=Effect(impressions=3.0),
            fix=("pin_product", "sematkan produk terlaris, sapa penonton baru"),
        ),
        Scenario(
            "feed_stall",
            "the stream connection hangs: the live and its feed freeze for three minutes, then resume",
            problem_duration_s=180.0,
            effect=Effect(frozen=True),
        ),
        Scenario(
            "interaction_drop",
            "the host reads the script without talking to the chat: most viewers go quiet",
            effect=Effect(engaged=0.2),
            fix=("comment_cta", "lempar pertanyaan pilihan, ajak follow untuk kupon"),
        ),
        Scenario(
            "price_questions",
            "the host shows the products but never says the price: the chat fills with 'berapa kak?'",
            effect=Effect(asking_price=0.4),
            fix=("say_price", "sebutkan harga dan cara checkout"),
        ),
        Scenario(
            "access_drop",
            "a dull cover and title: people scroll past the live instead of tapping in",
            effect=Effect(access=0.4),
            fix=("update_title", "judul baru: tema + manfaat, visual pembuka diganti"),
        ),
    )
}

_NO_EFFECT = Effect()
_TS = itemgetter("ts")


def room_names(rooms: int) -> list[str]:
    """`toko-batik`, `butik-sari`, ... then `room-N`."""
    return [ROOM_NAMES[i] if i < len(ROOM_NAMES) else f"room-{i + 1}" for i in range(rooms)]


def parse_start(start: str | None) -> int:
    """Epoch ms of an RFC 3339 start (None: the default prime-time start)."""
    moment = datetime.fromisoformat(start or DEFAULT_START)
    if moment.tzinfo is None:
        raise ValueError(f"start {start!r} needs a UTC offset, e.g. 2026-11-22T19:00:00+07:00")
    return round(moment.timestamp() * 1000)


def _poisson(random_, gauss, lam: float) -> int:
    """A Poisson draw: inversion for small means, the normal approximation for large ones."""
    if lam <= 0.0:
        return 0
    if lam < 40.0:
        u = random_()
        p = math.exp(-lam)
        s = p
        k = 0
        while u > s and k < 200:
            k += 1
            p *= lam / k
            s += p
        return k
    n = int(gauss(lam, math.sqrt(lam)) + 0.5)
    return n if n > 0 else 0


class _People:
    """A set with O(1) add, remove and uniform random pick (the room's viewers)."""

    __slots__ = ("items", "index")

    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, user: str) -> None:
        if user not in self.index:
            self.index[user] = len(self.items)
            self.items.append(user)

    def discard(self, user: str) -> None:
        at = self.index.pop(user, None)
        if at is None:
            return
        last = self.items.pop()
        if last != user:
            self.items[at] = last
            self.index[last] = at

    def __len__(self) -> int:
        return len(self.items)


class _Room:
    """One broadcast's state; `second(i)` returns the events of second i (unsorted)."""

    def __init__(
        self, name: str, number: int, scenario: Scenario, duration_s: float, seed: int,
        start_ms: int, rate_scale: float, params: BroadcastParams,
    ) -> None:
        self.name = name
        self.rng = rng = random.Random(f"livemon:{seed}:{name}")
        size = 1.0 if number == 0 else rng.uniform(0.5, 1.5)
        self.params = params
        self.scale = rate_scale * size
        self.start_ms = start_ms
        self.duration_s = duration_s
        self.scenario = scenario
        t0 = scenario.problem_start(duration_s)
        self.problem = (t0, t0 + scenario.problem_duration_s) if t0 is not None else None
        self.id_base = number * 10_000_000
        self.next_user = 0
        self.next_order = 0
        self.online: dict[str, int] = {}   # user -> ts of the scheduled leave
        self.newcomers: deque[tuple[int, str]] = deque()  # (join ts, user) of the last minute
        self.departed = 0
        self.viewers = _People()
        self.engaged = _People()
        self.leaves: list[tuple[int, str]] = []  # heap of (leave ts, user); stale when online[user] differs
        self.left: list[str] = []  # ring of recent leavers, for returning viewers
        self.clickers: list[str] = []  # ring of recent clickers, for orders
        self.catalog = self._catalog()
        self.prices = {sku: price for sku, price, _ in self.catalog}
        # taps per like event: 1 + exponential, read from a quantile table (one draw per event)
        self.taps = [1 + int(-params.taps_per_like * math.log(1 - (k + 0.5) / 512)) for k in range(512)]
        self.pinned = self.catalog[0][0]
        self.next_action_s = 0.0
        self.cta_until = -1.0
        self.sale_until = -1.0
        self.phase = "before"
        self.frozen_s = 0

    def _catalog(self) -> list[tuple[str, int, str]]:
        p = self.params
        rng = self.rng
        names = rng.sample(PRODUCT_NAMES, min(p.products, len(PRODUCT_NAMES)))
        names += [f"Produk {i + 1}" for i in range(len(names), p.products)]
        return [
            (f"sku-{i + 1}", int(rng.uniform(p.price_min, p.price_max) / 1000) * 1000, names[i])
            for i in range(p.products)
        ]

    # ------------------------------------------------------------ viewers

    def _new_user(self) -> str:
        self.next_user += 1
        return f"u-{self.id_base + self.next_user}"

    def _stay_ms(self, stay: float) -> int:
        """Heavy-tailed stay: loyal viewers stay minutes, the rest a lognormal while (scaled by `stay`)."""
        p = self.params
        rng = self.rng
        if rng.random() < p.long_stay_share:
            seconds = rng.expovariate(1.0 / p.long_stay_mean_s)
        else:
            seconds = rng.lognormvariate(math.log(p.short_stay_median_s), p.short_stay_sigma) * stay
        return int(1000 * (seconds if seconds > p.min_stay_s else p.min_stay_s))

    def _join(self, out: list, ts: int, effect: Effect, arrived: list) -> None:
        """A viewer enters; they join the pickable sets only after this second's interactions."""
        rng = self.rng
        user = None
        if self.left and rng.random() < self.params.returning_share:
            candidate = self.left[int(rng.random() * len(self.left))]
            if candidate not in self.online:
                user = candidate
        if user is None:
            user = self._new_user()
        leave = ts + self._stay_ms(effect.stay)
        self.online[user] = leave
        self.newcomers.append((ts, user))
        arrived.append((user, rng.random() < self.params.engaged_share * effect.engaged))
        heapq.heappush(self.leaves, (leave, user))
        out.append({"type": "viewer_join", "ts": ts, "room": self.name, "user": user})

    def _leaves_until(self, out: list, end_ms: int) -> None:
        leaves = self.leaves
        online = self.online
        name = self.name
        left = self.left
        while leaves and leaves[0][0] < end_ms:
            ts, user = heapq.heappop(leaves)
            if online.get(user) != ts:
                continue  # rescheduled
            del online[user]
            self.viewers.discard(user)
            self.engaged.discard(user)
            self.departed += 1
            if len(left) < 512:
                left.append(user)
            else:
                left[self.departed % 512] = user
            out.append({"type": "viewer_leave", "ts": ts, "room": name, "user": user})

    # ------------------------------------------------------------ phases

    def _phase_at(self, second: int) -> str:
        if self.problem is None or second < self.problem[0]:
            return "before"
        return "problem" if second < self.problem[1] else "after"

    def _enter_problem(self, now_ms: int, effect: Effect) -> None:
        """The moment the problem begins: newcomers drift off, engaged viewers go quiet."""
        rng = self.rng
        if effect.leave_now > 0:
            for _joined, user in self.newcomers:
                leave = self.online.get(user)
                if leave is not None and rng.random() < effect.leave_now:
                    sooner = now_ms + int(rng.uniform(2_000, 30_000))
                    if sooner < leave:
                        self.online[user] = sooner
                        heapq.heappush(self.leaves, (sooner, user))
        if effect.engaged < 1.0:
            for user in list(self.engaged.items):
                if rng.random() >= effect.engaged:
                    self.engaged.discard(user)

    def _leave_problem(self, effect: Effect) -> None:
        """The host fixed it: quiet viewers are won back to the usual engaged share."""
        if effect.engaged < 1.0:
            share = self.params.engaged_share
            quiet = share * effect.engaged
            back = (share - quiet) / (1.0 - quiet)
            rng = self.rng
            for user in self.viewers.items:
                if user not in self.engaged.index and rng.random() < back:
                    self.engaged.add(user)

    def _thaw(self) -> None:
        """After a freeze every scheduled leave and host routine moves by the frozen time."""
        shift_ms = self.frozen_s * 1000
        self.leaves = [(ts + shift_ms, user) for ts, user in self.leaves]  # order kept: still a heap
        self.online = {user: ts + shift_ms for user, ts in self.online.items()}
        self.next_action_s += self.frozen_s
        self.cta_until += self.frozen_s
        self.sale_until += self.frozen_s
        self.frozen_s = 0

    # ------------------------------------------------------------ one second

    def second(self, i: int) -> list[dict]:
        """All events of second i of the broadcast, in no particular order."""
        p = self.params
        rng = self.rng
        random_ = rng.random
        gauss = rng.gauss
        name = self.name
        base = self.start_ms + i * 1000
        out: list[dict] = []
        phase = self._phase_at(i)
        effect = self.scenario.effect if phase == "problem" else _NO_EFFECT
        if phase != self.phase:
            if phase == "problem":
                self._enter_problem(base, effect)
            else:
                self._leave_problem(self.scenario.effect)
                if self.scenario.fix is not None:
                    action, note = self.scenario.fix
                    self._host_action(out, base, i, action, note)
            self.phase = phase
        if effect.frozen:
            self.frozen_s += 1
            return out
        if self.frozen_s:
            self._thaw()
        scale = self.scale

        # exposure and entries
        newcomers = self.newcomers
        while newcomers and newcomers[0][0] < base - 60_000:
            newcomers.popleft()
        push = 1.0 + p.start_push * math.exp(-i / p.start_push_tau_s) if i < 120 else 1.0
        impressions = _poisson(random_, gauss, p.impressions_per_s * scale * push * effect.impressions)
        if impressions:
            batches = min(impressions, max(1, _poisson(random_, gauss, p.impression_batches_per_s * scale)))
            each, extra = divmod(impressions, batches)
            for b in range(batches):
                out.append({
                    "type": "live_impression", "ts": base + int(random_() * 1000), "room": name,
                    "count": each + (1 if b < extra else 0),
                })
        arrived: list[tuple[str, bool]] = []
        if impressions:
            for _ in range(_poisson(random_, gauss, impressions * p.access_rate * effect.access)):
                self._join(out, base + int(random_() * 1000), effect, arrived)
        self._leaves_until(out, base + 1000)

        # interaction: engaged viewers like and comment, anyone may share or follow
        engaged = self.engaged.items
        if engaged:
            n = len(engaged)
            taps = self.taps
            spread = len(taps)
            for _ in range(_poisson(random_, gauss, n * p.likes_per_engaged_s)):
                out.append({
                    "type": "like", "ts": base + int(random_() * 1000), "room": name,
                    "user": engaged[int(random_() * n)], "count": taps[int(random_() * spread)],
                })
            cta = i < self.cta_until
            rate = p.comments_per_engaged_s * (3.0 if cta else 1.0)
            for _ in range(_poisson(random_, gauss, n * rate)):
                texts = CTA_COMMENTS if cta and random_() < 0.7 else COMMENTS
                if effect.asking_price and random_() < effect.asking_price:
                    texts = PRICE_QUESTIONS
                out.append({
                    "type": "comment", "ts": base + int(random_() * 1000), "room": name,
                    "user": engaged[int(random_() * n)], "text": texts[int(random_() * len(texts))],
                })
        viewers = self.viewers.items
        if viewers:
            n = len(viewers)
            for kind, rate in (("share", p.shares_per_viewer_s), ("follow", p.follows_per_viewer_s)):
                for _ in range(_poisson(random_, gauss, n * rate)):
                    out.append({"type": kind, "ts": base + int(random_() * 1000), "room": name, "user": viewers[int(random_() * n)]})

            # the product funnel: card impressions -> clicks -> orders
            catalog = self.catalog
            pinned = self.pinned
            views = _poisson(random_, gauss, n * p.product_views_per_viewer_s)
            if views:
                batches = min(views, max(1, _poisson(random_, gauss, p.product_batches_per_s * scale)))
                each, extra = divmod(views, batches)
                for b in range(batches):
                    product = pinned if random_() < 0.6 else catalog[int(random_() * len(catalog))][0]
                    out.append({
                        "type": "product_impression", "ts": base + int(random_() * 1000), "room": name,
                        "product": product, "count": each + (1 if b < extra else 0),
                    })
            clicks_expected = views * p.ctr * effect.ctr
            # orders come from earlier clickers, so they are drawn before this second's clicks
            clickers = self.clickers
            prices = self.prices
            sale = i < self.sale_until
            conversion = p.click_to_order * effect.conversion * (1.5 if sale else 1.0)
            orders = _poisson(random_, gauss, clicks_expected * conversion)
            for _ in range(orders):
                sku = pinned if random_() < 0.7 else catalog[int(random_() * len(catalog))][0]
                price = prices[sku]
                if sale and sku == pinned:
                    price = int(price * 0.8 / 1000) * 1000
                roll = random_()
                quantity = 1 if roll < 0.8 else (2 if roll < 0.95 else 3)
                self.next_order += 1
                out.append({
                    "type": "order", "ts": base + int(random_() * 1000), "room": name, "product": sku,
                    "user": clickers[int(random_() * len(clickers))] if clickers else viewers[int(random_() * n)],
                    "quantity": quantity, "amount": price * quantity, "order_id": f"o-{self.id_base + self.next_order}",
                })

            for _ in range(_poisson(random_, gauss, clicks_expected)):
                product = pinned if random_() < 0.7 else catalog[int(random_() * len(catalog))][0]
                user = viewers[int(random_() * n)]
                if len(clickers) < 64:
                    clickers.append(user)
                else:
                    clickers[int(random_() * 64)] = user
                out.append({"type": "product_click", "ts": base + int(random_() * 1000), "room": name, "product": product, "user": user})

        for user, engaged_viewer in arrived:
            if user in self.online:  # not already gone (a stay is at least min_stay_s)
                self.viewers.add(user)
                if engaged_viewer:
                    self.engaged.add(user)
        if i >= self.next_action_s:
            self._scheduled_action(out, base, i)
        return out

    def _host_action(self, out: list, base: int, i: int, action: str, note: str) -> None:
        """The host acts; a comment call or a flash sale works for the next minute or so."""
        if action == "comment_cta":
            self.cta_until = i + 45
        elif action == "flash_sale":
            self.sale_until = i + 60
        record = {"type": "host_action", "ts": base, "room": self.name, "action": action, "note": note}
        if action == "pin_product" and self.pinned is not None:
            record["product"] = self.pinned  # the per-product views attribute the pin to it
        out.append(record)

    def _scheduled_action(self, out: list, base: int, i: int) -> None:
        """The host's routine: pin another product, call for comments, run a flash sale."""
        rng = self.rng
        catalog = self.catalog
        if i == 0:
            action = "pin_product"
        else:
            roll = rng.random()
            action = "pin_product" if roll < 0.4 else ("comment_cta" if roll < 0.75 else "flash_sale")
        if action == "pin_product":
            if i == 0:
                sku, price, label = catalog[0]
            else:
                others = [product for product in catalog if product[0] != self.pinned] or catalog
                sku, price, label = others[int(rng.random() * len(others))]
            self.pinned = sku
            note = f"sematkan {sku} {label} Rp{price:,}".replace(",", ".")
        elif action == "comment_cta":
            note = "ketik 'merah' atau 'hijau' di komentar"
        else:
            note = f"flash sale {self.pinned} diskon 20% selama 1 menit"
        self._host_action(out, base, i, action, note)
        every = self.params.host_action_every_s
        self.next_action_s = i + rng.uniform(0.6 * every, 1.4 * every)


def generate(
    scenario: str,
    duration_s: float,
    *,
    seed: int = 1,
    rooms: int = 1,
    start_ms: int | None = None,
    rate_scale: float = 1.0,
    params: BroadcastParams | None = None,
) -> Iterator[dict]:
    """Events of a simulated session, in non-decreasing `ts` (rooms interleaved)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    if rooms < 1:
        raise ValueError("rooms must be >= 1")
    if rate_scale <= 0:
        raise ValueError("rate_scale must be > 0")
    chosen = SCENARIOS[scenario]
    start = parse_start(None) if start_ms is None else int(start_ms)
    params = params or BroadcastParams()
    live = [
        _Room(name, number, chosen, duration_s, seed, start, rate_scale, params)
        for number, name in enumerate(room_names(rooms))
    ]
    end_ms = start + int(duration_s * 1000)
    for i in range(math.ceil(duration_s)):
        if len(live) == 1:
            batch = live[0].second(i)
        else:
            batch = []
            for room in live:
                batch += room.second(i)
        batch.sort(key=_TS)
        if start + (i + 1) * 1000 > end_ms:
            batch = [event for event in batch if event["ts"] < end_ms]
        yield from batch


def _chunks(events: Iterator[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for event in events:
        chunk.append(event)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _frame(chunk: list[dict]):
    import polars as pl

    schema = {
        "type": pl.Utf8, "ts": pl.Int64, "room": pl.Utf8, "user": pl.Utf8, "count": pl.Int64,
        "text": pl.Utf8, "product": pl.Utf8, "quantity": pl.Int64, "amount": pl.Int64,
        "order_id": pl.Utf8, "action": pl.Utf8, "note": pl.Utf8,
    }
    columns = {name: [event.get(name) for event in chunk] for name in COLUMNS}
    return pl.DataFrame(columns, schema=schema)


def write_session(
    path: str | Path,
    scenario: str,
    duration_s: float,
    *,
    seed: int = 1,
    rooms: int = 1,
    start: str | None = None,
    rate_scale: float = 1.0,
    params: BroadcastParams | None = None,
) -> int:
    """Write a simulated session as .jsonl, .jsonl.gz, .csv or .parquet; return the event count."""
    from .files import file_format

    kind = file_format(path)
    events = generate(scenario, duration_s, seed=seed, rooms=rooms, start_ms=parse_start(start), rate_scale=rate_scale, params=params)
    count = 0
    if kind in (".jsonl", ".jsonl.gz"):
        dumps = orjson.dumps
        newline = orjson.OPT_APPEND_NEWLINE
        # mtime=0: the same session gives the same bytes, so a regenerated sample shows no diff
        handle = gzip.GzipFile(path, "wb", compresslevel=6, mtime=0) if kind == ".jsonl.gz" else open(path, "wb")
        with handle:
            for chunk in _chunks(events, 20_000):
                handle.write(b"".join([dumps(event, option=newline) for event in chunk]))
                count += len(chunk)
        return count
    import polars as pl

    frames = []
    for chunk in _chunks(events, 200_000):
        frames.append(_frame(chunk))
        count += len(chunk)
    frame = pl.concat(frames) if frames else _frame([])
    if kind == ".csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)
    return count


__all__ = [
    "SCENARIOS", "Scenario", "Effect", "BroadcastParams", "ROOM_NAMES", "DEFAULT_START",
    "generate", "write_session", "room_names", "parse_start",
]
