from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0008_duplicatelookup'),
        ('keypoints', '0005_ledger_export'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='keypoint',
            index=models.Index(fields=['project', 'stage', 'occurred_at'], name='keypoint_stage_silence_idx'),
        ),
        migrations.AddIndex(
            model_name='keypoint',
            index=models.Index(fields=['stage', 'occurred_at', 'project'], name='keypoint_stage_recent_idx'),
        ),
        migrations.AddIndex(
            model_name='keypoint',
            index=models.Index(condition=models.Q(('archived_at__isnull', True), ('next_step_status', 'open')), fields=['next_step_due', 'project'], name='keypoint_open_step_idx'),
        ),
        migrations.AddIndex(
            model_name='keypoint',
            index=models.Index(condition=models.Q(('archived_at__isnull', True)), fields=['occurred_at', 'author', 'is_complete', 'created_at', 'project'], name='keypoint_live_period_idx'),
        ),
        migrations.AddIndex(
            model_name='stagehistory',
            index=models.Index(fields=['kind', 'at'], name='stagehistory_kind_at_idx'),
        ),
    ]
