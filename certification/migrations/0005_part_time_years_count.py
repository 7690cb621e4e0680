"""Part-time counselor years count (issue 7 rule 4).

Notice 000 asks for "连续从事青少年科技辅导员工作5年以上" and never says 专职; the senior seed rule set had
`part_time_counts: false`, which failed part-time counselors. Stored rule sets whose work-years rule says
false without its own wording asking for 专职 are corrected; one that words 专职 is a secretariat's choice
and is left alone.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Campaign = apps.get_model("certification", "Campaign")
    for campaign in Campaign.objects.all():
        rules = campaign.eligibility_rules or {}
        changed = False
        for rule in rules.get("criteria", []) or []:
            if isinstance(rule, dict) and rule.get("kind") == "work_years" and rule.get("part_time_counts") is False \
                    and "专职" not in (rule.get("text") or ""):
                rule["part_time_counts"] = True
                changed = True
        if changed:
            Campaign.objects.filter(pk=campaign.pk).update(eligibility_rules=rules)


class Migration(migrations.Migration):
    dependencies = [("certification", "0004_export_job")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
