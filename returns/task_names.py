"""The registered names of returns' tasks, for the modules that queue them (core.work.work_enqueue).

returns/tasks.py imports the services its tasks call, so the services queue a task by its name rather than
importing the task back; tests/returns/test_receivers.py checks each name against its task.
"""

SURVEY_EMAIL_TASK = "returns.survey_email_send"
RETURN_LABEL_TASK = "returns.return_label_send"
REFUND_SEND_TASK = "returns.refund_send"
