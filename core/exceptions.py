class DomainError(Exception):
    """A business rule refused the request; the message is safe to show to the user."""

    status_code = 400
    # Asynchronous work (core.work) does not retry a refusal: the same request would be refused again.
    permanent = True

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
