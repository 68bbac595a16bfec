import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from keypoints import day_counts


def install(apps, schema_editor):
    day_counts.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    day_counts.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    """Live key points counted per author and day and per obstacle and day, kept by a trigger on PostgreSQL
    (keypoints/day_counts.py), and counted from the key points already there."""

    dependencies = [
        ('keypoints', '0011_ledger_live_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ObstacleDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('obstacle', models.TextField()),
                ('keypoints', models.IntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('day', 'obstacle'), name='obstacleday_day_obstacle')],
            },
        ),
        migrations.CreateModel(
            name='AuthorDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('keypoints', models.IntegerField(default=0)),
                ('complete', models.IntegerField(default=0)),
                ('on_time', models.IntegerField(default=0)),
                ('author', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('day', 'author'), name='authorday_day_author')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
