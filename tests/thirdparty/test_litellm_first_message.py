"""Enter → request on the wire for the first message, while start-up's probes still run.

A figure for issue 14 ("probes and model lists never delay the user"), printed, not asserted
against a limit: the machine is shared and its speed varies.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from desktop_app.core.dialogue import Status
from desktop_app.services.gateway import load_openai
from tests.support.loop import run, run_until
from tests.thirdparty.litellm_server import CHAT_MODEL, CHAT_TEXT
from tests.thirdparty.wire_tap import WireTap


@pytest.fixture
def wire_tap(litellm_proxy) -> Iterator[WireTap]:  # type: ignore[no-untyped-def]
    tap = WireTap(litellm_proxy.port)
    yield tap
    tap.close()


def test_the_first_message_goes_out_while_probes_and_model_lists_run(
    qloop,
    qtbot,
    start_parley,
    wire_tap,
) -> None:
    # The SDK loaded beforehand: on a first run it is not (no key, nothing used it), and the
    # message then waits for it (0.55 s in the app's loop here), but this harness's run_until
    # (QTest.qWait) starves the worker thread that loads it (4 s), which says nothing of Parley.
    run(qloop, load_openai())
    parley = start_parley(discovery_candidates=[wire_tap.url])
    tab = parley.chat_tab
    run_until(qloop, lambda: "is running on this computer" in tab.banner.text, timeout=30)
    qtbot.mouseClick(tab.banner.action_button, Qt.MouseButton.LeftButton)
    # At once, as an impatient user: the new server's model list and probes have just begun.
    assert tab.model == CHAT_MODEL
    tab.input.setFocus()
    qtbot.keyClicks(tab.input, "Measure me, proxy")
    busy_at_enter = parley.tasks.running
    entered = time.monotonic()
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    run_until(qloop, lambda: wire_tap.first_time(b"Measure me, proxy") is not None)
    on_wire = wire_tap.first_time(b"Measure me, proxy")
    assert on_wire is not None and on_wire >= entered
    run_until(qloop, lambda: tab.dialogue_id is not None and not tab.busy, timeout=30)
    reply = parley.store.messages(tab.dialogue_id)[-1]
    assert reply.status is Status.COMPLETE and reply.content == CHAT_TEXT

    assert busy_at_enter > 0  # something of start-up was still running when Enter went down
    timeline = []
    for when, data in wire_tap.requests():
        line = data.split(b"\r\n", 1)[0].decode("latin-1").rsplit(" ", 1)[0]
        kind = (
            "probe"
            if b"parley-capability-probe" in data
            else ("the message" if b"Measure me, proxy" in data else "")
        )
        timeline.append(f"{(when - entered) * 1000:+.0f} ms {line} {kind}".rstrip())
    print(
        f"\nEnter → request on the wire: {(on_wire - entered) * 1000:.1f} ms "
        f"({busy_at_enter} background task(s) running at Enter). Requests from Enter:\n  "
        + "\n  ".join(timeline)
    )
