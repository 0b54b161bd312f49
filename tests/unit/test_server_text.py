"""A server's reason for refusing, read from every error shape servers use."""

from __future__ import annotations

import json

import pytest

from desktop_app.core.server_text import first_sentence, reason

TRACEBACK = """Traceback (most recent call last):
  File "/srv/app.py", line 12, in handler
    result = run(request)
  File "/srv/engine.py", line 40, in run
    raise RuntimeError("the model is not loaded")
RuntimeError: the model is not loaded"""


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"message": "Invalid model name", "type": "invalid_request_error"}, "Invalid model name"),
        ("No connected db.", "No connected db."),  # {"error": "text"} reaches us as the text
        ({"detail": "Model not loaded"}, "Model not loaded"),
        (
            {"detail": [{"loc": ["body", "messages"], "msg": "field required"}]},
            "field required",
        ),
        ({"error": {"error": {"message": "deep"}}}, "deep"),
        ({"detail": TRACEBACK}, "RuntimeError: the model is not loaded"),
        ("<html><title>502 Bad Gateway</title><body>nginx</body></html>", "502 Bad Gateway"),
        # LiteLLM 1.80 answers a failed Responses stream 500 with the error as an SSE event.
        (
            "data: "
            + json.dumps(
                {"error": {"message": f"it failed\n\n{TRACEBACK}\n", "type": "None", "code": "500"}}
            )
            + "\n\n",
            "RuntimeError: the model is not loaded",
        ),
        ('{"detail": "Model not loaded"}', "Model not loaded"),  # JSON sent as text
        ("{not json: but a reason}", "{not json: but a reason}"),
        ({"status": 500}, ""),
        (None, ""),
        ([1, 2], ""),
    ],
)
def test_the_reason_is_found_in_any_shape(body: object, said: str) -> None:
    assert reason(body) == said


def test_a_long_reason_is_capped_and_a_sentence_can_be_had_alone() -> None:
    text = "Only premium users can use this endpoint. " + "Upgrade at the portal. " * 100
    said = reason({"detail": text})
    assert said.startswith("Only premium") and said.endswith("…") and len(said) <= 500
    assert first_sentence(said) == "Only premium users can use this endpoint."


def test_nesting_deeper_than_any_server_sends_is_not_followed() -> None:
    body: object = "hidden"
    for _ in range(50):
        body = {"error": body}
    assert reason(body) == ""
