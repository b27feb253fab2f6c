from django.core.management.base import BaseCommand

from inventory.figures.refresh import stock_summary_rebuild, stock_summary_refresh_all


class Command(BaseCommand):
    help = ("Recompute the stock page's figures (StockSummary) for every product and warehouse; "
            "the nightly Celery task does the same.")

    def handle(self, *args, **options):
        stock_summary_refresh_all()
        result = stock_summary_rebuild()
        self.stdout.write(self.style.SUCCESS(
            f"Stock figures rebuilt: {result['rows']:,} product × warehouse rows in {result['chunks']} chunk(s), "
            f"{result['seconds']} s."))
