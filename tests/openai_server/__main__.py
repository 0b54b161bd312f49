"""``python -m tests.openai_server``: run the test server by hand until Ctrl+C.

The base URL goes to stdout on its own line (so a script can read it); everything else to
stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .features import FEATURES
from .personalities import PERSONALITIES
from .server import OpenAIServer


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Parse options, serve, and stop cleanly on Ctrl+C."""
    parser = argparse.ArgumentParser(prog="python -m tests.openai_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument("--api-key", default=None, help="require this key (default: any)")
    parser.add_argument(
        "--without",
        default="",
        help=f"comma-separated features that answer 404 (reasoning_summaries: 400): "
        f"{', '.join(FEATURES)}",
    )
    parser.add_argument(
        "--personality",
        default="openai",
        choices=sorted(PERSONALITIES),
        help="behave like another server (personalities.py)",
    )
    args = parser.parse_args(argv)
    without = {f.strip() for f in args.without.split(",") if f.strip()}
    if not without <= set(FEATURES):
        parser.error(f"--without takes {', '.join(FEATURES)}")
    server = OpenAIServer(args.host, args.port, args.personality)
    server.chunk_delay = args.chunk_delay
    if args.api_key is not None:
        server.api_key = args.api_key
    server.unsupported |= without
    server.fine_tuning.realtime = True  # jobs run with the wall clock (tests move it by hand)
    server.start()
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as cleanly as Ctrl+C
    # Ctrl+C too, even when started with SIGINT ignored (a shell's background job is):
    # Python installs its own handler only where SIGINT was left at its default.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print(server.url, flush=True)
    print("Serving; control endpoints under /_control. Press Ctrl+C to stop.", file=sys.stderr)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
