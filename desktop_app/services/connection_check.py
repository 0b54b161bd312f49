"""Settings' *Test connection* and *Refresh models*: ask a server with the values in the form.

Both run on a gateway of their own, made for the one question and closed after it, so the
form's values are tried before they are saved and a reply streaming through the app's gateway
is never disturbed. The SDK retries nothing here (the user is watching and can press again),
and what the server answered is said in the gateway's sentences (its reason included).
"""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from desktop_app.services import capabilities
from desktop_app.services.gateway import Gateway, ProviderConfig
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.model_catalog import ModelCatalog

if TYPE_CHECKING:
    from desktop_app.services.store import Store

CHECK_TIMEOUT = 15.0  # seconds: a test is a question the user waits for


@dataclass(frozen=True)
class ConnectionReport:
    """What the server answered: `ok`, a sentence for the dialog, and the models it listed."""

    ok: bool
    text: str
    models: tuple[str, ...] = ()


def _count(models: Sized) -> str:
    return f"{len(models)} model{'' if len(models) == 1 else 's'}"


def _for_a_check(config: ProviderConfig) -> ProviderConfig:
    return replace(config, max_retries=0, timeout=min(config.timeout, CHECK_TIMEOUT))


async def check_connection(config: ProviderConfig) -> ConnectionReport:
    """Ask the server for its models: "Connected: N models", or why not in its words."""
    gateway = Gateway(_for_a_check(config))
    try:
        models = await gateway.list_models()
    except GatewayError as error:
        return ConnectionReport(False, error.message)
    finally:
        await gateway.aclose()
    ids = tuple(m.id for m in models)
    return ConnectionReport(True, f"Connected: {_count(models)}.", ids)


async def refresh_models(store: Store, config: ProviderConfig) -> ConnectionReport:
    """Read the model list anew into the cache the pickers fill from, and forget what the
    probes learnt about this provider, base URL and key (they ask again at the next connect)."""
    gateway = Gateway(_for_a_check(config))
    try:
        models = await ModelCatalog(store, gateway).refresh()
    except GatewayError as error:
        return ConnectionReport(False, error.message)
    finally:
        await gateway.aclose()
    capabilities.forget(store, config)
    return ConnectionReport(True, f"Models refreshed: {_count(models)}.", tuple(models))
