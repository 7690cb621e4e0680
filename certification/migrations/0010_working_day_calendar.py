# The working-day calendar, moved here from `certificates` (its rows are copied by certificates 0004).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0009_audit_chain_and_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarYear',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(unique=True, verbose_name='年度')),
                ('source', models.CharField(choices=[('library', 'chinesecalendar 数据'), ('manual', '人工录入')], default='manual', max_length=10, verbose_name='来源')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='依据（如国务院办公厅通知文号）')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
            ],
            options={
                'verbose_name': '节假日安排年度',
                'verbose_name_plural': '节假日安排年度',
                'ordering': ['-year'],
            },
        ),
        migrations.CreateModel(
            name='HolidayDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(unique=True, verbose_name='日期')),
                ('kind', models.CharField(choices=[('holiday', '放假'), ('workday', '调休上班')], max_length=8, verbose_name='类别')),
                ('name', models.CharField(blank=True, max_length=60, verbose_name='节日')),
            ],
            options={
                'verbose_name': '节假日与调休',
                'verbose_name_plural': '节假日与调休',
                'ordering': ['date'],
            },
        ),
    ]
