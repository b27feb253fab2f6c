"""Row locks for returns; parents before children (Order -> ReturnAuthorization -> ReturnLine -> StockLevel)."""

from returns.models import FeedbackSurvey, Refund, ReturnAuthorization, ReturnLine


def return_lock(rma_id: int) -> ReturnAuthorization:
    """Lock one return row and return it fresh. Raises ReturnAuthorization.DoesNotExist. Inside atomic."""
    return ReturnAuthorization.objects.select_for_update(of=("self",)).get(pk=rma_id)


def return_lines_lock(rma_id: int) -> list[ReturnLine]:
    """Lock the lines of a return (ascending pk) and return them with their products (and exchange products)."""
    return list(
        ReturnLine.objects.select_for_update(of=("self",)).filter(rma_id=rma_id)
        .select_related("product", "order_line", "exchange_product").order_by("pk")
    )


def refund_lock(refund_id: int) -> Refund:
    """Lock one refund row (the storefront call must not run twice at once). Raises Refund.DoesNotExist."""
    return Refund.objects.select_for_update(of=("self",)).get(pk=refund_id)


def survey_lock(survey_id: int) -> FeedbackSurvey:
    """Lock one survey row (one email, one answer). Raises FeedbackSurvey.DoesNotExist."""
    return FeedbackSurvey.objects.select_for_update(of=("self",)).get(pk=survey_id)
