from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0006_audit_action_codes'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='attachments',
            field=models.JSONField(blank=True, default=list, help_text='文本附件，形如 [{"filename": "defense.ics", "mimetype": "text/calendar", "content": "…"}]（如答辩日程）。', verbose_name='附件'),
        ),
    ]
