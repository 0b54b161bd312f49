"""What the Assistants tab asks of the server: its old assistants, and files for file search.

OpenAI shut the Assistants API down on 2026-08-26, but older self-hosted and compatible servers
still answer `beta.assistants`; where one does, its assistants can be copied into local
profiles. Where it does not (a 404, or an SDK without the call) that is a normal answer, said
in one quiet line, never an error.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

from desktop_app.core.assistant_json import profile_from_dict
from desktop_app.core.assistants import AssistantProfile, KnowledgeFile
from desktop_app.services.failure_text import failure_message
from desktop_app.services.gateway import Gateway, is_route_missing
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.paging import Listed, read_pages

MAX_LISTED = 500
NO_ASSISTANTS_API = (
    "This server has no Assistants API (OpenAI retired it on 2026-08-26); "
    "assistants in Parley are kept on this computer."
)
NO_VECTOR_STORES = (
    "This server does not keep files for search (no file uploads or vector stores), so file "
    "search is not available with it."
)


class AssistantsApiMissing(Exception):
    """The server (or the SDK) has no Assistants API; `str()` is the quiet line to show."""


@dataclass(frozen=True)
class ServerAssistant:
    id: str
    name: str
    model: str
    description: str
    data: dict[str, Any]  # the API object, for copying


def _deprecated_call(call: Any, *args: Any, **kwargs: Any) -> Any:
    # `beta.assistants` is deprecated in the SDK and each call warns; that is the very thing
    # this code knows and handles, so the warning is silenced here and only here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return call(*args, **kwargs)


class AssistantRemote:
    """`gateway` is replaced by the app when the provider settings change."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def _assistants_api(self) -> Any:
        client = await self.gateway.client()
        try:
            return client.beta.assistants
        except AttributeError as exc:  # an SDK from after the shutdown
            raise AssistantsApiMissing(NO_ASSISTANTS_API) from exc

    async def list_server_assistants(self, page_size: int = 20) -> Listed[ServerAssistant]:
        """Every assistant the server lists, page by page (at most MAX_LISTED; `cut` when the
        list stopped there).

        Raises AssistantsApiMissing (quiet) or GatewayError (a real failure: offline, key)."""
        api = await self._assistants_api()
        found: Listed[ServerAssistant] = Listed()
        try:
            first = await _deprecated_call(api.list, limit=page_size)
            pages = -(-MAX_LISTED // page_size)
            items = await read_pages(first, max_pages=pages, max_items=MAX_LISTED)
            found.cut = items.cut
            for item in items:
                data = item.model_dump(mode="json")
                found.append(
                    ServerAssistant(
                        item.id,
                        item.name or item.id,
                        item.model or "",
                        item.description or "",
                        data,
                    )
                )
        except AttributeError as exc:
            raise AssistantsApiMissing(NO_ASSISTANTS_API) from exc
        except Exception as exc:
            self._raise_quietly_if_missing(exc)
        return found

    async def copy_server_assistant(
        self, assistant_id: str, default_model: str
    ) -> AssistantProfile:
        """The server's current version of an assistant, as a local profile (not yet saved)."""
        api = await self._assistants_api()
        try:
            item = await _deprecated_call(api.retrieve, assistant_id)
        except AttributeError as exc:
            raise AssistantsApiMissing(NO_ASSISTANTS_API) from exc
        except Exception as exc:
            self._raise_quietly_if_missing(exc)
        return profile_from_dict(item.model_dump(mode="json"), default_model)

    def _error(self, exc: BaseException) -> GatewayError:
        return self.gateway._error(exc)  # one mapping, and the server's text redacted

    def _raise_quietly_if_missing(self, exc: Exception) -> NoReturn:
        if is_route_missing(exc):
            raise AssistantsApiMissing(NO_ASSISTANTS_API) from exc
        raise self._error(exc) from exc

    async def add_files(self, profile: AssistantProfile, paths: Sequence[Path]) -> AssistantProfile:
        """Upload files for file search into the profile's vector store (made on first use);
        returns the profile with the files and the store recorded (not yet saved)."""
        client = await self.gateway.client()
        uploaded: list[KnowledgeFile] = []
        try:
            for path in paths:
                data = await asyncio.to_thread(path.read_bytes)
                file = await client.files.create(file=(path.name, data), purpose="assistants")
                uploaded.append(KnowledgeFile(path.name, file.id))
            ids = [f.file_id for f in uploaded]
            store_id = profile.vector_store_id
            if store_id:
                for file_id in ids:
                    await client.vector_stores.files.create(store_id, file_id=file_id)
            else:
                store = await client.vector_stores.create(
                    name=f"Parley: {profile.name}"[:64], file_ids=ids
                )
                store_id = store.id
        except OSError as exc:
            raise GatewayError(
                ErrorKind.BAD_REQUEST, failure_message("Reading the file", exc)
            ) from exc
        except Exception as exc:
            if is_route_missing(exc):
                raise GatewayError(ErrorKind.NOT_SUPPORTED, NO_VECTOR_STORES, 404) from exc
            raise self._error(exc) from exc
        return replace(profile, files=(*profile.files, *uploaded), vector_store_id=store_id)
