"""Finishing a chat reply and saving it, with nothing lost on the way.

The reply's text, thoughts, timing, ending and mood are set on it in memory first; then it is
written in a task of its own (a second Stop or the app closing while it waits must not lose it:
shutdown waits for it through `ChatSession.flush`), in a worker thread, retrying while the
database is busy or the disk full (the user is told through `SaveProblems`). A finished reply is
priced by the session's ledger, if it has one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from desktop_app.core.pricing import estimate_output
from desktop_app.core.reply_endings import Outcome
from desktop_app.core.reply_parts import ReplyParts
from desktop_app.core.tool_notes import ToolNote
from desktop_app.services.gateway import Usage
from desktop_app.services.save_problems import NOT_SAVED_YET, SaveProblems
from desktop_app.services.store import StoreError, StoreFull

if TYPE_CHECKING:
    from desktop_app.services.chat_session import ChatSession, PendingTurn

log = logging.getLogger(__name__)


async def finish_reply(
    session: ChatSession,
    turn: PendingTurn,
    parts: ReplyParts | None,
    outcome: Outcome,
    usage: Usage,
    notes: list[ToolNote] | None = None,
    told: SaveProblems | None = None,
) -> None:
    """Set what arrived (`parts`, None when nothing ran) and the `outcome` on the reply, then
    save it in a task the session keeps until it is written."""
    reply = turn.reply
    if parts is not None:
        reply.content = parts.content
        reply.reasoning = parts.reasoning.strip()
        reply.first_token_seconds = parts.first_token_seconds
        reply.reasoning_seconds = parts.reasoning_seconds
        output = usage.completion_tokens
        if output is None:  # the ledger's estimate, over both what was said and thought
            output = estimate_output(parts.content + parts.reasoning)
        reply.tokens_per_second = parts.tokens_per_second(output)
    reply.tool_notes = list(notes or [])
    reply.status = outcome.status
    reply.error = outcome.message
    reply.ending = outcome.ending.value
    reply.prompt_tokens = usage.prompt_tokens
    reply.completion_tokens = usage.completion_tokens
    if reply.content:
        mood = session.sentiment.analyze(reply.content)
        reply.sentiment_label, reply.sentiment_score = mood.label, mood.compound
    # Saved in its own task: a second Stop or the app closing while it waits must not
    # lose it (shutdown waits for it through `flush`).
    saving = asyncio.ensure_future(save_finished(session, turn, usage, told))
    session._saving.add(saving)
    saving.add_done_callback(session._saving.discard)
    await asyncio.shield(saving)


async def save_finished(
    session: ChatSession, turn: PendingTurn, usage: Usage, told: SaveProblems | None = None
) -> None:
    """Write the finished reply in a worker thread, retrying while the database is busy
    (another writer can hold it for seconds) or the disk full (the user is told, and may
    free some); the text is in memory meanwhile."""
    reply = turn.reply
    assert reply.id is not None
    told = told or SaveProblems(None)
    for attempt in range(1, session.save_attempts + 1):
        try:
            await asyncio.to_thread(
                session.store.finish_message,
                reply.id,
                content=reply.content,
                status=reply.status,
                error=reply.error,
                sentiment_label=reply.sentiment_label,
                sentiment_score=reply.sentiment_score,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                tool_notes=reply.tool_notes,
                reasoning=reply.reasoning,
                reasoning_seconds=reply.reasoning_seconds,
                first_token_seconds=reply.first_token_seconds,
                tokens_per_second=reply.tokens_per_second,
                ending=reply.ending,
            )
            told.say("")
            break
        except StoreError as exc:
            log.warning("saving reply %s failed (try %d): %s", reply.id, attempt, exc)
            if attempt == session.save_attempts:
                raise
            if isinstance(exc, StoreFull):
                told.say(NOT_SAVED_YET)
            await asyncio.sleep(session.save_retry_delay)
    if session.ledger is not None:
        try:
            session.ledger.record(reply, usage, turn.request, turn.local)
        except StoreError as exc:  # the reply is safe; only its cost line is missing
            log.warning("recording the cost of reply %s failed: %s", reply.id, exc)
