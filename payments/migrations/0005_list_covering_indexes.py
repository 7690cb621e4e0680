"""The staff order list reads a page's pks from an index alone, whatever the filter (issue 13 item 1): the
ordering indexes carry campaign and status as included columns, and one by status replaces the plain status index.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0004_ledger_triggers'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='order',
            name='order_created_desc',
        ),
        migrations.RemoveIndex(
            model_name='order',
            name='order_campaign_created_desc',
        ),
        migrations.AlterField(
            model_name='order',
            name='status',
            field=models.CharField(choices=[('pending', '待支付'), ('paid', '已支付'), ('refunding', '退款处理中'), ('refunded', '已退款'), ('cancelled', '已取消')], default='pending', max_length=12, verbose_name='订单状态'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['-created_at', '-id'], include=('campaign', 'status'), name='order_created_desc'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['campaign', '-created_at', '-id'], include=('status',), name='order_campaign_created_desc'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['status', '-created_at', '-id'], include=('campaign',), name='order_status_created_desc'),
        ),
    ]
