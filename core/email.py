"""Whether an email handed to the backend reaches anyone, so that nothing is recorded as sent that was not.

The console, file and dummy backends (the demo, a staging site run with DOCKHAND_ALLOW_CONSOLE_EMAIL) only
write the email down. Code that records a customer email as sent asks `email_delivers()` first, and records
`EMAIL_NOT_SENT_NOTE` instead when it is false.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

NON_DELIVERING_EMAIL_BACKENDS = frozenset({
    "core.email.SummaryConsoleEmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
})

EMAIL_NOT_SENT_NOTE = ("Not sent (console backend): this site's email backend only writes emails to its log; "
                       "set DJANGO_EMAIL_BACKEND to SMTP to deliver them.")


def email_delivers() -> bool:
    """True when the configured email backend delivers mail (settings.EMAIL_DELIVERS, else judged by backend)."""
    configured = getattr(settings, "EMAIL_DELIVERS", None)
    if configured is not None:
        return bool(configured)
    return settings.EMAIL_BACKEND not in NON_DELIVERING_EMAIL_BACKENDS


class EmailNotDelivered(Exception):
    """The email was handed to a backend that does not deliver it (see email_delivers)."""

    def __init__(self, message: str = EMAIL_NOT_SENT_NOTE):
        super().__init__(message)
        self.message = message


class SummaryConsoleEmailBackend(ConsoleEmailBackend):
    """The demo's console backend: one line per email (to, subject, attachment names), not the whole MIME text
    with base64 attachments that would bury `make run`'s output."""

    def write_message(self, message) -> None:
        attachments = [a.get_filename() if hasattr(a, "get_filename") else a[0] for a in message.attachments]
        line = f"Email to {', '.join(message.recipients())}: {message.subject}"
        if attachments:
            line += f" (attached: {', '.join(str(a) for a in attachments)})"
        self.stream.write(line + "\n")
