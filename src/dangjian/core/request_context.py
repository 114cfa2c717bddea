from contextvars import ContextVar

current_remote_addr: ContextVar[str | None] = ContextVar("current_remote_addr", default=None)
