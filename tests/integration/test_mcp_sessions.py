"""The MCP service against real servers (tests/mcp_servers), on the qasync loop as in the app.

The SDK's stdio and Streamable HTTP transports run on qasync's loop directly (anyio over
asyncio); no worker thread is needed.
"""

from __future__ import annotations

import os
import re
import sys

import pytest

from desktop_app.core.mcp_config import McpServerConfig, secret_id
from desktop_app.services.mcp_sessions import McpSessions
from desktop_app.services.mcp_types import (
    FAILED,
    MAX_RESULT_CHARS,
    NEEDS_APPROVAL,
    READY,
    STOPPED,
    McpError,
    McpTimeout,
)
from tests.mcp_servers.launch import http_config, http_server, stdio_config
from tests.support.loop import run, run_until

pytestmark = pytest.mark.slow


def _pid(text: str) -> int:
    match = re.search(r"pid (\d+)", text)
    assert match, text
    return int(match.group(1))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) is not a running server
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


@pytest.fixture
def sessions(qloop):  # type: ignore[no-untyped-def]
    made: list[McpSessions] = []

    def make(*configs: McpServerConfig, secrets: dict[str, str] | None = None, **more):  # type: ignore[no-untyped-def]
        found = McpSessions(configs, read_secret=lambda key: (secrets or {}).get(key, ""), **more)
        made.append(found)
        return found

    yield make
    for found in made:
        run(qloop, found.shutdown(), timeout=30)


def test_stdio_server_lists_and_calls_tools(qloop, sessions) -> None:
    service = sessions(stdio_config())
    assert service.status("tools").state == STOPPED  # nothing starts until needed
    tools = run(qloop, service.list_tools(), timeout=60)
    by_name = {t.name: t for t in tools}
    assert set(by_name) == {"add", "slow", "fail", "image", "forecast"}
    assert by_name["add"].description == "Add two numbers and return the sum."
    assert by_name["add"].input_schema["properties"].keys() == {"a", "b"}
    assert all(t.server == "tools" for t in tools)
    status = service.status("tools")
    assert status.state == READY and status.server_info.startswith("parley-test-tools")
    assert [p.name for p in status.prompts] == ["summarise"]
    assert [r.uri for r in status.resources] == ["note://readme"]

    result = run(qloop, service.call_tool("tools", "add", {"a": 2, "b": 3}))
    assert result.text == "5.0" and not result.is_error and result.duration > 0


def test_images_structured_output_and_tool_errors(qloop, sessions) -> None:
    service = sessions(stdio_config())
    image = run(qloop, service.call_tool("tools", "image", {}), timeout=60)
    assert [i.mime_type for i in image.images] == ["image/png"]
    assert image.images[0].data.startswith(b"\x89PNG\r\n\x1a\n")

    forecast = run(qloop, service.call_tool("tools", "forecast", {"city": "Oslo"}))
    assert forecast.structured == {"city": "Oslo", "celsius": 21.5, "sky": "clear"}
    tools = {t.name: t for t in run(qloop, service.list_tools())}
    assert tools["forecast"].output_schema["properties"].keys() == {"city", "celsius", "sky"}

    failed = run(qloop, service.call_tool("tools", "fail", {}))
    assert failed.is_error and "fail" in failed.text


def test_a_hanging_tool_times_out_and_the_server_stays_usable(qloop, sessions) -> None:
    service = sessions(stdio_config())
    run(qloop, service.list_tools(), timeout=60)
    with pytest.raises(McpTimeout, match=r"slow on tools did not answer within 0.5 s"):
        run(qloop, service.call_tool("tools", "slow", {"seconds": 30}, timeout=0.5))
    assert run(qloop, service.call_tool("tools", "add", {"a": 1, "b": 1})).text == "2.0"


def test_cancelling_the_caller_cancels_the_call(qloop, sessions) -> None:
    import asyncio

    service = sessions(stdio_config())
    run(qloop, service.list_tools(), timeout=60)
    task = asyncio.ensure_future(service.call_tool("tools", "slow", {"seconds": 30}), loop=qloop)
    run(qloop, asyncio.sleep(0.3))
    task.cancel()
    run_until(qloop, task.done, timeout=5)
    assert task.cancelled()
    assert run(qloop, service.call_tool("tools", "add", {"a": 2, "b": 2})).text == "4.0"


def test_unknown_tool_and_bad_arguments_are_sentences(qloop, sessions) -> None:
    service = sessions(stdio_config())
    unknown = run(qloop, service.call_tool("tools", "nope", {}), timeout=60)
    assert unknown.is_error and "nope" in unknown.text
    bad = run(qloop, service.call_tool("tools", "add", {"a": "two"}))
    assert bad.is_error


def test_stderr_is_captured_and_redacted(qloop, sessions) -> None:
    config = stdio_config(env=(("PARLEY_TEST_ECHO", "hello"),))
    config = McpServerConfig(
        config.name,
        command=config.command,
        args=config.args,
        cwd=config.cwd,
        env=config.env,
        secret_env=("API_TOKEN",),
    ).approved()
    secret = "s3cr3t-value-of-the-token"
    service = sessions(config, secrets={secret_id("tools", "env", "API_TOKEN"): secret})
    run(qloop, service.list_tools(), timeout=60)
    run_until(qloop, lambda: "echo: hello" in service.stderr("tools"))
    text = service.stderr("tools")
    assert "tools server starting" in text
    assert secret not in text


def test_restart_and_shutdown_leave_no_process(qloop, sessions) -> None:
    service = sessions(stdio_config())
    run(qloop, service.list_tools(), timeout=60)
    run_until(qloop, lambda: "pid" in service.stderr("tools"))
    first = _pid(service.stderr("tools"))
    assert run(qloop, service.restart("tools"), timeout=60).state == READY
    run_until(qloop, lambda: service.stderr("tools").count("pid") == 2)
    second = int(re.findall(r"pid (\d+)", service.stderr("tools"))[-1])
    assert second != first and not _alive(first)
    run(qloop, service.shutdown(), timeout=30)
    assert not _alive(second)
    assert service.status("tools").state == STOPPED


def test_a_stdio_server_not_yet_accepted_never_starts(qloop, sessions) -> None:
    config = McpServerConfig("new", command=sys.executable, args=("-c", "print(1)"))
    service = sessions(config)
    assert service.status("new").state == NEEDS_APPROVAL
    assert run(qloop, service.list_tools()) == []
    with pytest.raises(McpError, match="accept its command"):
        run(qloop, service.call_tool("new", "x", {}))


def test_streamable_http_server(qloop, sessions) -> None:
    with http_server() as url:
        service = sessions(http_config(url, headers=(("X-Test", "1"),)))
        tools = run(qloop, service.list_tools(), timeout=60)
        assert {t.name for t in tools} >= {"add", "image", "forecast"}
        assert run(qloop, service.call_tool("remote", "add", {"a": 4, "b": 5})).text == "9.0"
        image = run(qloop, service.call_tool("remote", "image", {}))
        assert image.images[0].data.startswith(b"\x89PNG")
        run(qloop, service.shutdown(), timeout=30)


def test_an_http_server_that_is_not_there(qloop, sessions) -> None:
    from tests.mcp_servers.launch import free_port

    service = sessions(http_config(f"http://127.0.0.1:{free_port()}/mcp"))
    status = run(qloop, service.start("remote"), timeout=60)
    assert status.state == FAILED
    assert "Could not connect to http://127.0.0.1:" in status.reason


# ---- faults -------------------------------------------------------------------------------


def test_a_server_that_exits_at_start(qloop, sessions) -> None:
    service = sessions(stdio_config("bad", "bad_server", "die"), secrets={})
    status = run(qloop, service.start("bad"), timeout=60)
    assert status.state == FAILED
    assert "the API key TEST_SECRET_VALUE_123 was refused" in status.reason
    assert "Traceback" not in status.reason


def test_a_program_that_does_not_exist(qloop, sessions) -> None:
    config = McpServerConfig("gone", command="/no/such/program-xyz").approved()
    status = run(qloop, sessions(config).start("gone"), timeout=30)
    assert status.state == FAILED
    assert status.reason == (
        "The program '/no/such/program-xyz' was not found; check the command and PATH."
    )


def test_a_server_that_never_answers(qloop, sessions) -> None:
    service = sessions(stdio_config("mute", "bad_server", "silent"), start_timeout=1.5)
    status = run(qloop, service.start("mute"), timeout=60)
    assert status.state == FAILED
    assert status.reason.startswith("The server did not answer within 1.5 s of starting")


def test_noise_on_stdout_is_noted_and_the_session_goes_on(qloop, sessions) -> None:
    service = sessions(stdio_config("noisy", "bad_server", "noise"))
    assert run(qloop, service.start("noisy"), timeout=60).state == READY
    result = run(qloop, service.call_tool("noisy", "babble", {}))
    assert result.text == "said something odd"
    run_until(qloop, lambda: "not an MCP message" in service.stderr("noisy"))


def test_a_server_that_crashes_during_a_call(qloop, sessions) -> None:
    service = sessions(stdio_config("bad", "bad_server"))
    run(qloop, service.start("bad"), timeout=60)
    with pytest.raises(McpError, match=r"bad stopped during the call to boom"):
        run(qloop, service.call_tool("bad", "boom", {}), timeout=30)
    run_until(qloop, lambda: service.status("bad").state == FAILED)
    assert "exiting with status 3" in service.status("bad").reason
    # asked again, it starts again
    assert run(qloop, service.call_tool("bad", "huge", {"size": 10}), timeout=60).text == "x" * 10


def test_a_huge_result_is_cut(qloop, sessions) -> None:
    service = sessions(stdio_config("bad", "bad_server"))
    result = run(qloop, service.call_tool("bad", "huge", {"size": 1_000_000}), timeout=60)
    assert result.truncated
    assert MAX_RESULT_CHARS <= len(result.text) < MAX_RESULT_CHARS + 200
    assert result.text.endswith("more than 200,000 characters]")
