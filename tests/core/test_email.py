import io

from django.core.mail import EmailMessage

from core.email import SummaryConsoleEmailBackend, email_delivers


def test_demo_console_prints_one_line_per_email_without_the_attachments(settings):
    stream = io.StringIO()
    message = EmailMessage("Your return RMA-1: label", "Hello\n" * 40, to=["quinn@example.com"])
    message.attach("return-label-RMA-1.pdf", b"%PDF-1.7 " + b"x" * 4000, "application/pdf")

    SummaryConsoleEmailBackend(stream=stream).send_messages([message])

    assert stream.getvalue() == ("Email to quinn@example.com: Your return RMA-1: label "
                                 "(attached: return-label-RMA-1.pdf)\n")
    settings.EMAIL_DELIVERS = None
    settings.EMAIL_BACKEND = "core.email.SummaryConsoleEmailBackend"
    assert email_delivers() is False
