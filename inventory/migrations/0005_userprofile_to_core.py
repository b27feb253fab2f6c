from django.db import migrations


class Migration(migrations.Migration):
    """The user profile moves to core (core.0003_userprofile_from_inventory takes it over): inventory forgets
    the model and leaves its tables, rows and all, to core."""

    dependencies = [
        ('inventory', '0004_stock_summary'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='UserProfile')],
            database_operations=[],
        ),
    ]
