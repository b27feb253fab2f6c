"""The rule editor: the rule's header, then rows of conditions and rows of actions (text boxes)."""

from django import forms

from inventory.models import Client
from orders.models import Rule
from orders.rules.schema import ACTION_TYPES, CONDITION_FIELDS, OP_LABELS, PRIORITY_NAME

ALL_OPS = list(dict.fromkeys(op for spec in CONDITION_FIELDS.values() for op in spec.ops))


class RuleForm(forms.ModelForm):
    client = forms.ModelChoiceField(queryset=Client.objects.filter(is_active=True), required=False,
                                    empty_label="All clients")

    class Meta:
        model = Rule
        fields = ["name", "client", "position", "stop_processing", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"stop_processing": "Stop later rules when this one matches"}


class ConditionForm(forms.Form):
    field = forms.ChoiceField(required=False, choices=[("", "—"), *((k, s.label) for k, s in CONDITION_FIELDS.items())])
    op = forms.ChoiceField(required=False, choices=[(op, OP_LABELS[op]) for op in ALL_OPS])
    value = forms.CharField(required=False, max_length=2000)


class ActionForm(forms.Form):
    type = forms.ChoiceField(required=False, choices=[("", "—"), *((k, s.label) for k, s in ACTION_TYPES.items())])
    value = forms.CharField(required=False, max_length=2000)


ConditionFormSet = forms.formset_factory(ConditionForm, extra=0, max_num=30, absolute_max=30)
ActionFormSet = forms.formset_factory(ActionForm, extra=0, max_num=20, absolute_max=20)
BLANK_CONDITION_ROWS = 3
BLANK_ACTION_ROWS = 2


def value_as_text(value) -> str:
    """A stored condition or action value as a manager would type it."""
    if isinstance(value, list):
        return ", ".join(str(v) if v != "" else "none" for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if "days" in value:
            return str(value["days"])
        if "date" in value:
            return value["date"]
        if "sku" in value:
            return f"{value['sku']} x {value['quantity']}"
    if isinstance(value, int) and value in PRIORITY_NAME:
        return PRIORITY_NAME[value]
    return str(value)


def rule_rows_initial(rule: Rule | None) -> tuple[list[dict], list[dict]]:
    conditions = [{"field": c["field"], "op": c["op"], "value": value_as_text(c["value"])}
                  for c in (rule.conditions if rule else [])]
    actions = [{"type": a["type"], "value": value_as_text(a["value"])} for a in (rule.actions if rule else [])]
    return (conditions + [{}] * BLANK_CONDITION_ROWS, actions + [{}] * BLANK_ACTION_ROWS)


def rows_to_definition(conditions: ConditionFormSet, actions: ActionFormSet) -> tuple[list[dict], list[dict]]:
    """The filled rows as the JSON the rule schema checks (blank rows skipped)."""
    conds = [{"field": f.cleaned_data["field"], "op": f.cleaned_data["op"], "value": f.cleaned_data["value"]}
             for f in conditions if f.cleaned_data.get("field")]
    acts = [{"type": f.cleaned_data["type"], "value": f.cleaned_data["value"]}
            for f in actions if f.cleaned_data.get("type")]
    return conds, acts


class TryForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=365, initial=30, label="Orders of the last N days")
