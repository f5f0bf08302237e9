"""`livemon` command line (../shared/spec/cli.md)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import os
from contextlib import contextmanager
from pathlib import Path
import logging
import re
import signal
import sys
from typing import Sequence

from .alert_text import AlertWords
from .config import Config, ConfigError, load_config
from .runs import build_engine
from .pipeline import Pipeline, Source, check_recording
from .sinks import JsonLinesWriter, Sink

log = logging.getLogger("livemon")


class UsageError(Exception):
    """Bad input from the user: one line on stderr, exit 2."""


#: The environment variable that holds the feed's bearer token (or give --token-file PATH).
TOKEN_ENV = "LIVEMON_TOKEN"


def _token_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--token-file", metavar="PATH", help=f"file holding the bearer token {what} (or set {TOKEN_ENV})")
    parser.add_argument("--token", help=f"refused: a token in the command line shows in `ps`; use {TOKEN_ENV} or --token-file")


def feed_token(args: argparse.Namespace) -> str | None:
    """The bearer token from --token-file or LIVEMON_TOKEN; never from the command line, never in a message."""
    if args.token is not None:
        raise UsageError(f"--token would show the token to every user of this machine (ps, shell history); "
                         f"set {TOKEN_ENV} or use --token-file PATH")
    if args.token_file:
        try:
            token = Path(args.token_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"{args.token_file}: cannot read the token file ({getattr(error, 'strerror', None) or 'not text'})") from None
        if not token or "\n" in token:
            raise UsageError(f"{args.token_file}: the token file must hold one line, the token")
        return token
    return os.environ.get(TOKEN_ENV) or None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: An option left at its default, where the default depends on other options.
UNSET = object()


def parse_speed(text: str) -> float | None:
    if text.lower() in ("max", "0", "inf"):
        return None
    try:
        speed = float(text.rstrip("xX"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"speed must be a number or 'max', not {text!r}") from None
    if speed <= 0:
        raise argparse.ArgumentTypeError("speed must be > 0")
    return speed


def parse_duration(text: str) -> float:
    """Seconds from `90`, `90s`, `30m`, `2h`, `1h30m`."""
    parts = re.fullmatch(r"\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*", text)
    if not parts or not any(parts.groups()):
        raise argparse.ArgumentTypeError(f"duration like 30m, 2h or 90s, not {text!r}")
    hours, minutes, secs = (float(group) if group else 0.0 for group in parts.groups())
    return hours * 3600 + minutes * 60 + secs


def parse_compare(text: str) -> str | int:
    from .report.compare import parse_choice

    try:
        return parse_choice(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _console_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no terminal bell on critical alerts (config: [console] bell)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help="config file (default: ./config.toml)")
    parser.add_argument("--lang", choices=("id", "en"), help="language of messages (default from config: id)")
    parser.add_argument("--window", type=int, metavar="S", help="window length in seconds (default 60)")
    parser.add_argument("--room", metavar="ROOM", help="only this room")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livemon", description="Live-commerce broadcast monitor.")
    parser.add_argument("-v", "--verbose", action="store_true", help="more logging on stderr")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    replay = verbs.add_parser("replay", help="console (or --headless JSON Lines) on a recorded session")
    replay.add_argument("file", help=".jsonl, .jsonl.gz, .csv or .parquet")
    replay.add_argument("--speed", type=parse_speed, default=UNSET,
                        help="1, 10, ... or max (default: 1 in the console, max with --headless)")
    replay.add_argument("--headless", action="store_true", help="no console: JSON Lines on stdout")
    replay.add_argument("--save-history", action="store_true", help="keep this session in the history (with --headless)")
    _console_options(replay)
    _common(replay)

    watch = verbs.add_parser("watch", help="console (or --headless JSON Lines) on a live feed")
    watch.add_argument("url", help="ws:// or wss:// URL, tiktok:@handle (a TikTok LIVE room), shopee:SESSION_ID, "
                                   "or nats:// for the records livemon workers publish")
    watch.add_argument("--headless", action="store_true", help="no console: JSON Lines on stdout")
    watch.add_argument("--save-history", action="store_true", help="keep this broadcast in the history when it ends")
    watch.add_argument("--record", metavar="FILE", help="append every raw message to FILE (JSONL)")
    _token_options(watch, "sent to the server")
    watch.add_argument("--cafile", help="CA file for wss://")
    watch.add_argument("--orders", choices=("tiktok-shop",),
                       help="orders from this source join the room (default from config: [broadcast] orders)")
    watch.add_argument("--history", choices=("latest", "all"), default="latest",
                       help="nats://: start from each room's newest record (default) or the whole session")
    _console_options(watch)
    _common(watch)

    serve = verbs.add_parser("serve", help="publish a file or a simulated broadcast on a websocket")
    serve.add_argument("file", nargs="?", help="recorded session to publish")
    serve.add_argument("--simulate", metavar="SCENARIO", help="publish a live simulated broadcast instead")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--speed", type=parse_speed, default=1.0, help="pacing by event time (default 1)")
    _token_options(serve, "clients must send ('Authorization: Bearer TOKEN')")
    serve.add_argument("--duration", type=parse_duration, default=1800.0, help="simulated length (default 30m)")
    serve.add_argument("--seed", type=int, default=1)
    _common(serve)

    publish = verbs.add_parser("publish", help="put a file, a websocket feed or a simulation on a NATS JetStream stream")
    publish.add_argument("source", nargs="?", help="recorded session (FILE) or ws:// / wss:// URL")
    publish.add_argument("--simulate", metavar="SCENARIO", help="publish a simulated broadcast instead")
    publish.add_argument("--nats", default="nats://127.0.0.1:4222", metavar="URL", help="NATS server")
    publish.add_argument("--partitions", type=int, default=8, help="partitions of a new stream (default 8)")
    publish.add_argument("--speed", type=parse_speed, default=1.0, help="pacing by event time (default 1, or max)")
    publish.add_argument("--duration", type=parse_duration, default=1800.0, help="simulated length (default 30m)")
    publish.add_argument("--rooms", type=int, default=1, help="simulated rooms (default 1)")
    publish.add_argument("--seed", type=int, default=1)
    _token_options(publish, "for a ws:// feed")
    _common(publish)

    worker = verbs.add_parser("worker", help="run the engine on partitions of a NATS JetStream stream")
    worker.add_argument("--nats", default="nats://127.0.0.1:4222", metavar="URL", help="NATS server")
    worker.add_argument("--partitions", type=int, default=8, help="partitions of the stream (default 8)")
    worker.add_argument("--index", type=int, help="run this partition only (default: share all with other workers)")
    worker.add_argument("--lease-ttl", type=float, default=10.0, metavar="S",
                        help="a silent worker's partitions go to others after S seconds (default 10)")
    _common(worker)

    simulate = verbs.add_parser("simulate", help="write a synthetic session")
    simulate.add_argument("--scenario", default="normal", help="normal, retention_drop, ctr_drop, ...")
    simulate.add_argument("--duration", type=parse_duration, default=1800.0, help="e.g. 30m (default)")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--out", required=True, metavar="FILE", help=".jsonl, .jsonl.gz, .csv or .parquet")
    simulate.add_argument("--rooms", type=int, default=1, help="number of rooms (default 1)")
    simulate.add_argument("--start", help="broadcast start, RFC 3339 (default 2026-11-22T19:00:00+07:00)")
    _common(simulate)

    demo = verbs.add_parser("demo", help="zero set-up: simulated broadcast over a local websocket, in the console")
    demo.add_argument("--scenario", default="retention_drop")
    demo.add_argument("--speed", type=parse_speed, default=5.0, help="simulated time speed (default 5)")
    demo.add_argument("--port", type=int, default=0, help="websocket port (default: any free one)")
    demo.add_argument("--duration", type=parse_duration, default=1800.0, help="simulated length (default 30m)")
    demo.add_argument("--seed", type=int, default=1)
    _console_options(demo)
    _common(demo)

    check = verbs.add_parser("check-config", help="validate a config and name the wrong key")
    check.add_argument("path", nargs="?", help="config file (default ./config.toml)")
    check.add_argument("--config", dest="config_opt", metavar="PATH", help=argparse.SUPPRESS)

    report = verbs.add_parser("report", help="post-session report: HTML, CSV, Parquet, summary; kept in the history")
    report.add_argument("file", help=".jsonl, .jsonl.gz, .csv, .parquet, or a TikTok Seller Center export (.xlsx)")
    report.add_argument("--out", default="report", metavar="DIR", help="directory for the report files (default ./report)")
    report.add_argument("--session", metavar="XLSX",
                        help="with an All Order export: the Live Analysis export (TikTok's numbers, the LIVE's window)")
    report.add_argument("--compare", type=parse_compare, metavar="last|best|N",
                        help="put this session beside the room's last, best (by GPM) or last N past sessions")
    _common(report)

    history = verbs.add_parser("history", help="list the sessions kept in the history")
    _common(history)
    return parser


def _load(args: argparse.Namespace) -> Config:
    config = load_config(getattr(args, "config", None))
    if getattr(args, "window", None):
        engine = config.engine.model_copy(update={"window_s": args.window})
        config = config.model_copy(update={"engine": engine})
    if getattr(args, "lang", None):
        config = config.model_copy(update={"lang": args.lang})
    if getattr(args, "quiet", False):
        config = config.model_copy(update={"console": config.console.model_copy(update={"bell": False})})
    return config


def headless_sinks(config: Config) -> list[Sink]:
    from feeds.dead_letters import DeadLetterFile

    sinks: list[Sink] = [JsonLinesWriter(AlertWords(config.rules, config.lang))]
    if config.input.dead_letter:
        sinks.append(DeadLetterFile(config.input.dead_letter))
    return sinks


def run_headless(config: Config, source: Source, *, speed: float | None, live: bool, room: str | None, extra: Sequence[Sink] = ()) -> dict:
    """Run a source to its end (or SIGINT/SIGTERM) writing JSON Lines on stdout."""

    async def main() -> dict:
        engine = build_engine(config, room=room, live=live)
        pipeline = Pipeline(
            engine, source, [*headless_sinks(config), *extra], speed=speed, queue_size=config.input.queue_size
        )
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, pipeline.stop)
        return await pipeline.run()

    return asyncio.run(main())


def cmd_check_config(args: argparse.Namespace) -> int:
    from feeds.credentials import check_lines

    path = args.path or args.config_opt or "config.toml"
    config = load_config(path)
    print(f"{path}: ok: {config.summary()}")
    for line in check_lines(config):  # which secrets are set and where, never their values
        print(f"{path}: {line}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from feeds.files import FileSource

    config = _load(args)
    source = FileSource(args.file)
    if args.headless:
        with kept_in_history(config, source.name, args.save_history) as extra:
            # headless, a replay runs as fast as it reads unless a pace is asked for
            speed = None if args.speed is UNSET else args.speed
            summary = run_headless(config, source, speed=speed, live=False, room=args.room, extra=extra)
        code = _read_to_the_end(args, source)
        if code == 0:
            check_recording(summary, args.file)
        return code
    if args.save_history:
        raise UsageError("--save-history goes with --headless on a replay (a console replay can seek); use livemon report")
    from .console.app import LivemonApp

    speed = 1.0 if args.speed is UNSET else args.speed  # the console replays in real time unless told otherwise
    LivemonApp(config, source=source, speed=speed, room=args.room, config_path=args.config).run()
    return _read_to_the_end(args, source)


def _read_to_the_end(args: argparse.Namespace, source) -> int:
    """0 when the file was read to its end; else its one-line reason and 2."""
    if source.error:
        print(f"livemon {args.verb}: {source.error}", file=sys.stderr)
        return 2
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report, terminal_text

    config = _load(args)
    report = build_report(args.file, config, args.out, room=args.room, choice=args.compare, session=args.session)
    print(terminal_text(report, config))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from .report import History
    from .report.build import history_text

    config = _load(args)
    history = History.from_config(config)
    print(history_text(history, config.lang, room=args.room))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from feeds.simulator import SCENARIOS, write_session

    if args.scenario not in SCENARIOS:
        raise UsageError(f"unknown scenario {args.scenario!r}; choose one of {', '.join(SCENARIOS)}")
    count = write_session(args.out, args.scenario, args.duration, seed=args.seed, rooms=args.rooms, start=args.start)
    print(f"{args.out}: {count} events, scenario {args.scenario}, {args.duration / 60:g} min", file=sys.stderr)
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from feeds.sources import open_source

    config = _load(args)
    if args.orders and args.url.startswith(("nats://", "tls://")):
        raise UsageError("--orders joins a live feed (ws://, wss://, tiktok:, shopee:), not nats://")
    if args.url.startswith(("nats://", "tls://")):
        from feeds.jetstream.watch import RecordFeed, watch_headless

        feed = RecordFeed(args.url, room=args.room, history=args.history)
        if args.headless:
            return watch_headless(feed)
        from .console.desk import DeskApp  # the overview console of every room

        DeskApp(config, feed).run()
        return 0
    websocket = args.url.lower().startswith(("ws://", "wss://"))
    source = open_source(args.url, config, room=args.room, token=feed_token(args) if websocket else None,
                         cafile=args.cafile, token_given=bool(args.token or args.token_file))
    orders = args.orders or config.broadcast.orders
    if orders:  # a broadcast of two sources: the audience above, the orders from the shop
        from feeds.broadcast import with_orders

        source = with_orders(source, orders, config, room=args.room)
    extra: list[Sink] = []
    if args.record:
        from feeds.recorder import Recorder

        extra.append(Recorder(args.record))
    with kept_in_history(config, source.name, args.save_history) as keep:
        if args.headless:
            run_headless(config, source, speed=None, live=True, room=args.room, extra=[*extra, *keep])
            return _gave_up(source, config)
        from .console.app import LivemonApp

        LivemonApp(config, source=source, speed=None, room=args.room, live=True, config_path=args.config,
                   sinks=[*extra, *keep]).run()
    return _gave_up(source, config)


def _gave_up(source: Source, config: Config) -> int:
    """A source that stopped for a reason waiting cannot fix: say it in one line, exit 2.

    `refused`: the server refused our token (its words); `failure`: a message key (an age-restricted TikTok room).
    """
    refused = getattr(source, "refused", None)
    if refused:
        raise UsageError(refused)
    failure = getattr(source, "failure", None)
    if failure:
        from .console.i18n import tr

        raise UsageError(tr(failure, config.lang))
    return 0


@contextmanager
def kept_in_history(config: Config, source: str, wanted: bool):
    """With `--save-history`: a sink that follows the run, saved to the history when it ends."""
    if not wanted:
        yield []
        return
    from .report import History, SessionCollector

    collector = SessionCollector(config.engine.window_s, config.engine.tick_s)
    yield [collector]
    if collector.rooms:
        history = History.from_config(config)
        paths = history.save_all(collector.sessions(), source)  # a refused write is one warning, not an error
        if paths:
            print(f"livemon: {len(paths)} session(s) saved to {history.dir}", file=sys.stderr)


def _until_signal(main) -> object:
    """Run `main(stop)` with SIGINT/SIGTERM setting `stop`."""

    async def run():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        return await main(stop)

    return asyncio.run(run())


def cmd_publish(args: argparse.Namespace) -> int:
    """A file, a ws:// feed or a simulation onto the LIVEMON stream; the end of a file or simulation ends the stream."""
    from feeds.dead_letters import DeadLetterFile
    from feeds.jetstream.publisher import run_publish
    from feeds.jetstream.sources import source_batches

    if (args.source is None) == (args.simulate is None):
        raise UsageError("give a FILE, a ws:// URL or --simulate SCENARIO (one of them)")
    config = _load(args)
    args.token = feed_token(args)  # what feeds/jetstream/sources.py hands the websocket client
    batches, live = source_batches(args, config)
    sinks = [DeadLetterFile(config.input.dead_letter)] if config.input.dead_letter else []
    summary = _until_signal(lambda stop: run_publish(
        args.nats, config, batches, live=live, speed=args.speed, partitions=args.partitions, stop=stop,
        rejection_sinks=sinks, room=args.room,
    ))
    assert isinstance(summary, dict)
    print(f"livemon publish: {summary['events']} events in {summary['messages']} messages"
          f"{', end of stream' if summary['ended'] else ''}; rejected {summary['rejected']}", file=sys.stderr)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from .worker import run_worker

    if args.room:
        raise UsageError("a worker runs every room of its partitions; use `livemon publish --room` to keep one")
    if args.partitions < 1 or (args.index is not None and not 0 <= args.index < args.partitions):
        raise UsageError("--partitions must be >= 1 and --index in 0..partitions-1")
    config = _load(args)
    _until_signal(lambda stop: run_worker(
        args.nats, config, args.partitions, index=args.index, lease_ttl_s=args.lease_ttl, lang=config.lang, stop=stop,
    ))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """A simulated broadcast on a local websocket, watched in the console through the real client."""
    from feeds.server import serve_simulation
    from feeds.simulator import SCENARIOS
    from feeds.websocket_client import WebSocketSource

    from .console.app import LivemonApp
    from .console.demo import BackgroundServer

    if args.scenario not in SCENARIOS:
        raise UsageError(f"unknown scenario {args.scenario!r}; choose one of {', '.join(SCENARIOS)}")
    config = _load(args)
    demo = BackgroundServer(
        lambda server: serve_simulation(server, args.scenario, args.speed, args.seed, args.duration), port=args.port
    )
    try:
        url = demo.start()
    except OSError as error:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}") from None
    try:
        source = WebSocketSource(url, max_message_bytes=config.input.max_message_bytes)
        LivemonApp(config, source=source, speed=None, room=args.room, live=True, config_path=args.config).run()
    finally:
        demo.stop()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """The content starts for the first watcher and ends the feed when it ends; SIGINT/SIGTERM stop at once."""
    from feeds.server import EventServer, serve_file, serve_simulation

    if (args.file is None) == (args.simulate is None):
        raise UsageError("give a FILE or --simulate SCENARIO (one of the two)")
    token = feed_token(args)
    if not token and not _loopback(args.host):
        print(f"livemon serve: warning: {args.host} is reachable from other machines and no token is set: "
              f"anyone who reaches the port reads the feed ({TOKEN_ENV} or --token-file sets one)",
              file=sys.stderr, flush=True)
    if args.file:
        from feeds.files import FileSource

        FileSource(args.file)  # a missing file or an unknown type is a usage error now, not later
    else:
        from feeds.simulator import SCENARIOS

        if args.simulate not in SCENARIOS:
            raise UsageError(f"unknown scenario {args.simulate!r}; choose one of {', '.join(SCENARIOS)}")

    async def main() -> None:
        server = EventServer(args.host, args.port, token=token)
        try:
            await server.start()
        except OSError as error:
            raise UsageError(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
        what = args.file or f"simulation {args.simulate}"
        print(f"livemon serve: {what} on {server.url} (starts when the first monitor connects)", file=sys.stderr, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)

        async def content() -> int:
            await server.wait_for_clients(1)
            if args.file:
                return await serve_file(server, args.file, args.speed)
            return await serve_simulation(server, args.simulate, args.speed, args.seed, args.duration)

        playing = asyncio.create_task(content())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({playing, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if playing.done():
            sent = playing.result()
            print(f"livemon serve: end of stream after {sent} messages", file=sys.stderr, flush=True)
            await server.close(end_of_stream=True)
        else:
            playing.cancel()
            await server.close(end_of_stream=False)

    asyncio.run(main())
    return 0


def tune_gc() -> None:
    """Collect cycles rarely: the engine keeps millions of small objects alive and makes no cycles.

    CPython 3.11's default (a young collection every 700 allocations, a full
    one every 100 of those) rescans the whole online set over and over; the
    benchmark shows the replay 20-30% faster with this, memory unchanged.
    """
    gc.freeze()  # what start-up imported is never garbage
    gc.set_threshold(50_000, 20, 100)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    tune_gc()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="livemon: %(message)s",
        stream=sys.stderr,
    )
    handler = globals().get("cmd_" + args.verb.replace("-", "_"))
    if handler is None:
        print(f"livemon {args.verb}: not available yet", file=sys.stderr)
        return 2
    try:
        return handler(args)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    except (UsageError, FileNotFoundError, ValueError) as error:
        print(f"livemon {args.verb}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as error:  # a bug or a fault outside us: one line, what was computed is already flushed
        print(f"livemon {args.verb}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
