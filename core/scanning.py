"""What the scanning pages share: work that is finished (every unit of an ASN or a return in, every bin of a count
counted) is announced with the finished chime of static/js/scanner.js, so people can trust their ears."""

from django.contrib import messages

# The message tag base.html turns into data-feedback="done", the attribute scanner.js listens for.
FINISHED_TAG = "done"


def message_finished(request, text: str) -> None:
    """A success message the scanning pages sound as finished rather than as one more scan."""
    messages.success(request, text, extra_tags=FINISHED_TAG)
