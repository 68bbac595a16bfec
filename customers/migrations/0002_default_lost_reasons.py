from django.db import migrations

# The usual reasons B2B deals are lost; the admin edits this list in /admin/.
DEFAULT_REASONS = [
    ("价格高于竞品", "Price above the competition"),
    ("选择了竞争对手的方案", "Chose a competitor's solution"),
    ("预算取消或冻结", "Budget cancelled or frozen"),
    ("需求变化或项目取消", "Needs changed or project cancelled"),
    ("决策人变动", "Decision-maker changed"),
    ("技术方案不匹配", "Solution did not fit"),
    ("交付周期无法满足", "Delivery time not acceptable"),
    ("其他", "Other"),
]


def add_reasons(apps, schema_editor):
    LostReason = apps.get_model("customers", "LostReason")
    for position, (name, name_en) in enumerate(DEFAULT_REASONS, start=1):
        LostReason.objects.get_or_create(name=name, defaults={"name_en": name_en, "position": position})


def remove_reasons(apps, schema_editor):
    LostReason = apps.get_model("customers", "LostReason")
    LostReason.objects.filter(name__in=[name for name, _ in DEFAULT_REASONS], project__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(add_reasons, remove_reasons)]
