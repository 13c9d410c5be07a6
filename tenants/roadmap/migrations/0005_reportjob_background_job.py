# ReportJob becomes a core.jobs.BackgroundJob: the shared progress fields; no data changes.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('roadmap', '0004_report_jobs'),
    ]

    operations = [
        migrations.AddField(
            model_name='reportjob',
            name='host',
            field=models.CharField(blank=True, max_length=253),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='processed',
            field=models.PositiveIntegerField(default=0, verbose_name='обработано'),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='начато'),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='total',
            field=models.PositiveIntegerField(default=0, verbose_name='всего'),
        ),
        migrations.AlterField(
            model_name='reportjob',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='создано'),
        ),
        migrations.AlterField(
            model_name='reportjob',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='завершено'),
        ),
    ]
