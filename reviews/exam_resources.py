"""Question bank import/export (django-import-export): one row = one item, matched by (级别, 试题编号), so
re-importing a corrected file updates the items instead of adding them twice."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from certification.models import Level

from .exam_models import OPTION_LETTERS, ItemKind, QuestionItem

OPTION_COLUMNS = [f"选项{letter}" for letter in OPTION_LETTERS[:6]]
LEVEL_BY_TEXT = {**{v.value: v.value for v in Level}, **{v.label: v.value for v in Level}}
KIND_BY_TEXT = {**{k.value: k.value for k in ItemKind}, **{k.label: k.value for k in ItemKind},
                "单选": ItemKind.SINGLE, "多选": ItemKind.MULTIPLE, "判断": ItemKind.TRUE_FALSE}
TRUE_WORDS = {"对", "正确", "是", "√", "T", "TRUE", "Y"}
FALSE_WORDS = {"错", "错误", "否", "×", "F", "FALSE", "N"}


class ChoiceTextWidget(widgets.Widget):
    def __init__(self, mapping: dict, name: str, allowed: str):
        super().__init__()
        self.mapping, self.name, self.allowed = mapping, name, allowed

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if text not in self.mapping:
            raise ValueError(f"无法识别的{self.name}“{text}”，应为{self.allowed}。")
        return self.mapping[text]

    def render(self, value, obj=None, **kwargs):
        return value


class PointsWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValueError(f"分值“{value}”不是数字。") from None

    def render(self, value, obj=None, **kwargs):
        return str(value)


class QuestionItemResource(resources.ModelResource):
    level = fields.Field(attribute="level", column_name="级别",
                         widget=ChoiceTextWidget(LEVEL_BY_TEXT, "级别", "初级、中级或高级"))
    code = fields.Field(attribute="code", column_name="试题编号", widget=widgets.CharWidget())
    kind = fields.Field(attribute="kind", column_name="题型",
                        widget=ChoiceTextWidget(KIND_BY_TEXT, "题型", "单选题、多选题或判断题"))
    topic = fields.Field(attribute="topic", column_name="知识点", widget=widgets.CharWidget())
    stem = fields.Field(attribute="stem", column_name="题干", widget=widgets.CharWidget())
    answer = fields.Field(attribute="answer", column_name="答案", widget=widgets.CharWidget())
    points = fields.Field(attribute="points", column_name="分值", widget=PointsWidget())

    class Meta:
        model = QuestionItem
        fields = ["level", "code", "kind", "topic", "stem", "answer", "points"]
        import_id_fields = ["level", "code"]
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def before_import_row(self, row, **kwargs):
        code = row.get("试题编号")
        if isinstance(code, float) and code.is_integer():
            row["试题编号"] = str(int(code))
        level = str(row.get("级别") or "").strip()
        row["级别"] = LEVEL_BY_TEXT.get(level, level)  # import_id_fields are matched on the cleaned value

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        kind = instance.kind
        options = [str(row.get(c)).strip() for c in OPTION_COLUMNS if row.get(c) not in (None, "")]
        answer = str(row.get("答案") or "").strip().upper()
        if isinstance(row.get("答案"), float):  # never a number, but keep the message readable
            answer = str(row.get("答案"))
        if kind == ItemKind.TRUE_FALSE:
            options = []
            if answer in TRUE_WORDS or answer == "A":
                answer = "A"
            elif answer in FALSE_WORDS or answer == "B":
                answer = "B"
            else:
                raise ValidationError({"answer": f"判断题答案“{answer}”应为“对”或“错”。"})
        instance.options = options
        instance.answer = answer

    def dehydrate_answer(self, item):
        if item.kind == ItemKind.TRUE_FALSE:
            return "对" if item.answer == "A" else "错"
        return item.answer

    def dehydrate_level(self, item):
        return Level(item.level).label

    def dehydrate_kind(self, item):
        return ItemKind(item.kind).label

    def export_field(self, field, instance, **kwargs):
        return super().export_field(field, instance, **kwargs)

    def get_export_headers(self, **kwargs):
        return super().get_export_headers(**kwargs) + OPTION_COLUMNS

    def export_resource(self, instance, **kwargs):
        row = super().export_resource(instance, **kwargs)
        options = list(instance.options) if instance.kind != ItemKind.TRUE_FALSE else []
        return row + (options + [""] * len(OPTION_COLUMNS))[:len(OPTION_COLUMNS)]
