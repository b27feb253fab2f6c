"""Error reporting to Sentry (or a Sentry-compatible service), on when SENTRY_DSN is set in the environment."""

from __future__ import annotations


def error_reporting_init(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> None:
    """Send unhandled errors of the web, the worker and beat, with the request id as a tag; no personal data."""
    import sentry_sdk  # noqa: PLC0415 - only with SENTRY_DSN
    from sentry_sdk.integrations.celery import CeleryIntegration  # noqa: PLC0415 - only with SENTRY_DSN
    from sentry_sdk.integrations.django import DjangoIntegration  # noqa: PLC0415 - only with SENTRY_DSN
    from sentry_sdk.integrations.logging import LoggingIntegration  # noqa: PLC0415 - only with SENTRY_DSN

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,  # customer names, emails and addresses stay out of the reports
        integrations=[DjangoIntegration(), CeleryIntegration(monitor_beat_tasks=False), LoggingIntegration()],
    )
