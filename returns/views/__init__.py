"""The returns pages: customer.py (self-service, no login), staff.py, desk.py (receiving), feedback.py."""
