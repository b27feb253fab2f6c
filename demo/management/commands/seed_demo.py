from django.core.management.base import BaseCommand

from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Load the Dockhand demo (warehouses, clients, products, stock, users, orders). Safe to run again."

    def handle(self, *args, **options):
        result = seed_demo()
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {result['receipts']} stock receipts and {result['orders']} orders added this run."
        ))
        self.stdout.write("Demo logins (username / password / role):")
        for username, password, role in result["users"]:
            self.stdout.write(f"  {username:<12} {password:<16} {role}")
