import pytest

from returns.choices import RETURN_TRANSITIONS, ReturnStatus
from returns.exceptions import InvalidReturnTransition
from returns.models import ReturnAuthorization, ReturnEvent
from returns.services.status import return_transition
from tests.returns.factories import make_setup, open_return

ALLOWED = [(src, dst) for src, targets in RETURN_TRANSITIONS.items() for dst in sorted(targets)]
FORBIDDEN = [(src, dst) for src in ReturnStatus.values for dst in ReturnStatus.values
             if dst not in RETURN_TRANSITIONS[src]]


def test_table_covers_every_status():
    assert set(RETURN_TRANSITIONS) == set(ReturnStatus.values)


def test_rejected_only_from_requested_and_finished_statuses_are_final():
    assert [s for s, targets in RETURN_TRANSITIONS.items() if ReturnStatus.REJECTED in targets] == ["requested"]
    for final in (ReturnStatus.REFUNDED, ReturnStatus.CLOSED, ReturnStatus.REJECTED):
        assert RETURN_TRANSITIONS[final] == frozenset()


def _rma_in(status: str) -> ReturnAuthorization:
    setup = make_setup()
    rma = open_return(setup.order, [(setup.lines[0], 1, "damaged")], authorise=False)
    ReturnAuthorization.objects.filter(pk=rma.pk).update(status=status)
    ReturnEvent.objects.filter(rma=rma).delete()
    rma.refresh_from_db()
    return rma


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_event(from_status, to_status, manager):
    rma = _rma_in(from_status)

    return_transition(rma=rma, to_status=to_status, user=manager, note="moved")

    rma.refresh_from_db()
    assert rma.status == to_status
    event = ReturnEvent.objects.get(rma=rma)
    assert (event.from_status, event.to_status, event.user, event.note) == (from_status, to_status, manager, "moved")


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN)
def test_forbidden_transition_raises_and_changes_nothing(from_status, to_status):
    rma = _rma_in(from_status)

    with pytest.raises(InvalidReturnTransition):
        return_transition(rma=rma, to_status=to_status)

    rma.refresh_from_db()
    assert rma.status == from_status
    assert not ReturnEvent.objects.filter(rma=rma).exists()


@pytest.mark.django_db
def test_transition_stamps_the_time_of_the_step():
    rma = _rma_in(ReturnStatus.REQUESTED)

    return_transition(rma=rma, to_status=ReturnStatus.AUTHORISED)
    return_transition(rma=rma, to_status=ReturnStatus.RECEIVED)

    rma.refresh_from_db()
    assert rma.authorised_at is not None
    assert rma.received_at is not None
    assert rma.closed_at is None
