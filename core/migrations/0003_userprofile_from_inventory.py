import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to_core(apps, schema_editor):
    """Keep the profile's content type row (and with it its permissions and admin history): relabel it."""
    _relabel(apps, schema_editor, old="inventory", new="core")


def content_type_back_to_inventory(apps, schema_editor):
    _relabel(apps, schema_editor, old="core", new="inventory")


def _relabel(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label=new, model="userprofile").exists():
        types.filter(app_label=old, model="userprofile").update(app_label=new)


class Migration(migrations.Migration):
    """The user profile moves here from inventory without touching a row: core takes over the model state
    on the existing tables (inventory_userprofile and inventory_userprofile_warehouses; the code still
    running during a deploy reads them under those names)."""

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0002_idempotency_keys'),
        ('inventory', '0005_userprofile_to_core'),
        ('warehouses', '0002_location_kind_transit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='UserProfile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('client', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='users', to='inventory.client')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='profile', to=settings.AUTH_USER_MODEL)),
                        ('warehouses', models.ManyToManyField(blank=True, db_table='inventory_userprofile_warehouses', help_text='Empty means every warehouse.', related_name='staff', to='warehouses.warehouse')),
                    ],
                    options={
                        'db_table': 'inventory_userprofile',
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_core, content_type_back_to_inventory),
    ]
