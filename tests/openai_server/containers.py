"""Code interpreter's containers: the file a run makes, cited in the reply, and its bytes.

A request with the ``code_interpreter`` tool gets a ``code_interpreter_call`` that "ran" in a
new container and made one file (``MADE_FILE``, a CSV derived from the question), and a reply
sentence citing it with a ``container_file_citation`` — as OpenAI's code interpreter does.
``GET /v1/containers/{container_id}/files/{file_id}/content`` gives the file's bytes.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from .errors import error_response
from .routing import BytesResponse, Request, Response, Router

if TYPE_CHECKING:
    from .response_replies import Reply
    from .server import OpenAIServer

MADE_FILE = "squares.csv"
CODE = "import csv\nrows = [(n, n * n) for n in range(1, 6)]\n"


def made_bytes(question: str) -> bytes:
    """What the run wrote: the question's words and their lengths squared."""
    lines = ["word,length,squared"]
    lines += [f"{word},{len(word)},{len(word) ** 2}" for word in question.split()]
    return ("\n".join(lines) + "\n").encode()


def run_code(server: OpenAIServer, reply: Reply, question: str) -> None:
    """Add the tool call, the file it made and the sentence that cites it to `reply`."""
    container = f"cntr_{uuid.uuid4().hex[:24]}"
    file_id = f"cfile_{uuid.uuid4().hex[:24]}"
    with server.lock:
        server.container_files[(container, file_id)] = (MADE_FILE, made_bytes(question))
    reply.tool_calls.append(
        {
            "id": f"ci_{uuid.uuid4().hex[:16]}",
            "type": "code_interpreter_call",
            "status": "completed",
            "code": CODE,
            "container_id": container,
            "outputs": None,
        }
    )
    link = f"[{MADE_FILE}](sandbox:/mnt/data/{MADE_FILE})"
    sentence = f"\nI saved the numbers as {link}.\n"
    start = len(reply.text) + sentence.index("[")
    reply.text += sentence
    reply.annotations.append(
        {
            "type": "container_file_citation",
            "container_id": container,
            "file_id": file_id,
            "filename": MADE_FILE,
            "start_index": start,
            "end_index": start + len(link),
        }
    )


def file_content(request: Request) -> Response:
    key = (request.params["container_id"], request.params["file_id"])
    with request.server.lock:
        found = request.server.container_files.get(key)
    if found is None:
        return error_response(404, f"No file found with id '{key[1]}' in this container.")
    name, data = found
    return BytesResponse(data, "text/csv") if name.endswith(".csv") else BytesResponse(data)


def register(router: Router) -> None:
    router.add("GET", "/v1/containers/{container_id}/files/{file_id}/content", file_content)
