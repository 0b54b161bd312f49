"""``/v1/files``: multipart upload, list, retrieve and delete; contents are kept (file
search reads them, fine-tuning jobs count their examples). An upload with purpose
``fine-tune`` is checked as the service checks it: UTF-8 JSONL, every line an object with a
``messages`` list or the DPO keys; anything else is a 400 naming the first bad line."""

from __future__ import annotations

import json
import time
import uuid
from email import policy
from email.parser import BytesParser
from typing import Any

from .errors import error_response
from .features import not_offered
from .routing import JSONResponse, Request, Response, Router


def _parse_multipart(request: Request) -> dict[str, tuple[str, bytes]]:
    """Form fields by name → (filename, bytes); stdlib only (the email parser reads MIME)."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.raw)
    fields: dict[str, tuple[str, bytes]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = (
                part.get_filename() or "",
                payload if isinstance(payload, bytes) else b"",
            )
    return fields


def fine_tune_problem(data: bytes) -> str:
    """Why the service would refuse this fine-tuning file, or ''."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "The file must be UTF-8 encoded JSONL."
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        return "The file is empty."
    for number, line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            return f"Line {number} is not valid JSON."
        chat = isinstance(entry, dict) and isinstance(entry.get("messages"), list)
        dpo = isinstance(entry, dict) and {"input", "preferred_output"} <= entry.keys()
        if not (chat or dpo):
            return (
                f"Line {number} must be an object with a 'messages' list (or the preference "
                "keys 'input', 'preferred_output', 'non_preferred_output')."
            )
    return ""


def file_object(record: dict[str, Any]) -> dict[str, Any]:
    """The API's view of a stored file (its bytes stay on the server)."""
    return {k: v for k, v in record.items() if k != "content"}


def upload(request: Request) -> Response:
    missing = not_offered(request, "files")
    if missing:
        return missing
    fields = _parse_multipart(request)
    if "file" not in fields:
        return error_response(400, "'file' is a required property", param="file")
    purpose = fields.get("purpose", ("", b""))[1].decode() or ""
    if not purpose:
        return error_response(400, "'purpose' is a required property", param="purpose")
    filename, data = fields["file"]
    if purpose == "fine-tune":
        problem = fine_tune_problem(data)
        if problem:
            return error_response(
                400, f"Invalid file format for Fine-Tuning API. {problem}", param="file"
            )
    record = {
        "id": f"file-{uuid.uuid4().hex[:24]}",
        "object": "file",
        "bytes": len(data),
        "created_at": int(time.time()),
        "filename": filename or "upload",
        "purpose": purpose,
        "status": "processed",
        "expires_at": None,
        "status_details": None,
        "content": data,
    }
    with request.server.lock:
        request.server.files[record["id"]] = record
    return JSONResponse(file_object(record))


def list_files(request: Request) -> Response:
    missing = not_offered(request, "files")
    if missing:
        return missing
    purpose = request.query.get("purpose")
    with request.server.lock:
        data = [
            file_object(r)
            for r in request.server.files.values()
            if purpose is None or r["purpose"] == purpose
        ]
    return JSONResponse(
        {
            "object": "list",
            "data": data,
            "has_more": False,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }
    )


def _file_not_found(file_id: str) -> JSONResponse:
    return error_response(404, f"No such File object: {file_id}", param="id")


def retrieve_file(request: Request) -> Response:
    missing = not_offered(request, "files")
    if missing:
        return missing
    with request.server.lock:
        record = request.server.files.get(request.params["file_id"])
    return (
        JSONResponse(file_object(record)) if record else _file_not_found(request.params["file_id"])
    )


def delete_file(request: Request) -> Response:
    missing = not_offered(request, "files")
    if missing:
        return missing
    file_id = request.params["file_id"]
    with request.server.lock:
        record = request.server.files.pop(file_id, None)
    if record is None:
        return _file_not_found(file_id)
    return JSONResponse({"id": file_id, "object": "file", "deleted": True})


def register(router: Router) -> None:
    router.add("POST", "/v1/files", upload)
    router.add("GET", "/v1/files", list_files)
    router.add("GET", "/v1/files/{file_id}", retrieve_file)
    router.add("DELETE", "/v1/files/{file_id}", delete_file)
