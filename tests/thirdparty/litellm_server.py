"""A LiteLLM proxy on 127.0.0.1 whose models answer with LiteLLM's own mock responses.

`mock_response` makes LiteLLM answer without any upstream provider; a streamed mock goes out
three characters a chunk (with a usage chunk when the client asks for one), with no pause
between chunks: the long model's text is long enough that a reply takes many seconds to stream.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.thirdparty.litellm_install import LiteLLMUnavailable

START_TIMEOUT_S = 90.0
# The first model the proxy lists: what the first-run offer picks.
CHAT_MODEL = "mock-chat"
LONG_MODEL = "mock-long"
# The built-in assistants' model, so they work against the proxy unchanged.
ASSISTANT_MODEL = "gpt-4o-mini"
CHAT_TEXT = "LiteLLM mock says hello. " + " ".join(f"word{i}" for i in range(40)) + "."
ASSISTANT_TEXT = "Assistant mock reply: " + " ".join(f"item{i}" for i in range(30)) + "."
# About 36,000 characters: 12,000 chunks, many seconds of streaming on a busy machine.
LONG_TEXT = " ".join(f"part{i:05d}" for i in range(3600))
MOCKS = {CHAT_MODEL: CHAT_TEXT, LONG_MODEL: LONG_TEXT, ASSISTANT_MODEL: ASSISTANT_TEXT}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config_text(mocks: dict[str, str]) -> str:
    """The proxy's config.yaml (JSON is YAML): one mocked deployment per model name."""
    models = [
        {
            "model_name": name,
            "litellm_params": {
                "model": f"openai/{name}",
                "api_key": "unused",
                "mock_response": text,
            },
        }
        for name, text in mocks.items()
    ]
    return json.dumps({"model_list": models}, indent=2)


@dataclass
class LiteLLMProxy:
    python: Path
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started_in: float = 0.0

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def log_file(self) -> Path:
        return self.workdir / "litellm.log"

    def start(self) -> None:
        config = self.workdir / "config.yaml"
        config.write_text(config_text(MOCKS))
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        # The price map ships in the wheel; without this LiteLLM fetches it from GitHub.
        env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", NO_COLOR="1", PYTHONUNBUFFERED="1")
        command = [
            str(self.python),
            "-m",
            "litellm.proxy.proxy_cli",
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        began = time.monotonic()
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_alive(began)
        self.started_in = time.monotonic() - began

    def _wait_alive(self, began: float) -> None:
        assert self.process is not None
        while time.monotonic() - began < START_TIMEOUT_S:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.root_url}/health/liveliness", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])
        raise LiteLLMUnavailable(f"The LiteLLM proxy did not start on {self.root_url}:\n{tail}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:  # uvicorn's graceful stop can take seconds; nothing of a test server is worth them
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None

    def stream_usage(self, model: str, messages: list[dict[str, str]]) -> dict[str, int]:
        """The usage the proxy reports for a streamed reply (asked directly, not via Parley)."""
        body = {
            "model": model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        request = urllib.request.Request(
            f"{self.url}/chat/completions",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        usage: dict[str, int] = {}
        with urllib.request.urlopen(request, timeout=30) as response:
            for line in response:
                if line.startswith(b"data: {"):
                    usage = json.loads(line[6:]).get("usage") or usage
        return usage
