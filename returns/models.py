# Returns, refunds and follow-up surveys arrive with the returns issue.
