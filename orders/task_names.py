"""The registered names of the orders app's tasks, for the modules that queue them (core.work.work_enqueue).

orders/tasks.py and orders/intake/tasks.py import the services their tasks call, so the services queue a task
by its name rather than importing the task back. The names are the ones jobs were stored under before.
"""

ORDER_ROUTE_TASK = "orders.tasks.order_route_task"
BACKORDERS_ALLOCATE_TASK = "orders.tasks.backorders_allocate_task"
RULE_RUN_TASK = "orders.tasks.rule_run_task"
PROCESS_DELIVERY_TASK = "orders.intake.process_webhook_delivery"
STOCK_PUSH_TASK = "orders.stock_sync.push"
STOCK_RECONCILE_TASK = "orders.stock_sync.reconcile"
