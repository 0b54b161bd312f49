"""An OpenAI-compatible HTTP server for tests: real HTTP, real SSE, state and injected faults.

Typical use::

    with OpenAIServer() as server:
        client = openai.OpenAI(base_url=server.url, api_key="test")
        server.add_fault(Fault(status=429, retry_after=0.1))
"""

from .faults import Fault
from .replies import expected_reply, split_into_chunks
from .routing import RecordedRequest
from .server import OpenAIServer

__all__ = ["Fault", "OpenAIServer", "RecordedRequest", "expected_reply", "split_into_chunks"]
