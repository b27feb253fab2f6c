"""The registered names of shipping's tasks, for the modules that queue them (core.work.work_enqueue).

shipping/tasks.py imports the services its tasks call, so the services queue a task by its name rather than
importing the task back; tests/shipping/test_receivers.py checks each name against its task.
"""

PICK_LIST_PDF_TASK = "shipping.tasks.pick_list_pdf_task"
WAVE_PDF_TASK = "shipping.tasks.wave_pdf_task"
SHIPMENT_DOCUMENTS_TASK = "shipping.tasks.shipment_documents_render"
SHIPMENT_NOTIFY_TASK = "shipping.tasks.shipment_notify"
MANIFEST_PDF_TASK = "shipping.tasks.manifest_pdf_render"
SHIPMENT_LABEL_TASK = "shipping.tasks.shipment_label_retry_task"
PRINT_JOB_TASK = "shipping.tasks.print_job_send_task"
