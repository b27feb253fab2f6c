"""Writes to returns: opening a return, its status machine and timeline, receiving and inspection at the
returns desk (every stock change through inventory.services), refunds and exchanges.

Every status change goes through return_transition: it locks the return, checks RETURN_TRANSITIONS,
saves, writes the ReturnEvent and queues follow-up work on commit.

The modules: policy.py (changing a client's return policy), status.py (return_transition, the timeline, authorise,
reject, close, in transit), opening.py (return_request within the policy's window), receiving.py (the desk:
units received, inspected and put away; exchanges), refunding.py (return_refund). Import from the module
itself; this package exports nothing.
"""
