"""Pages for managers: the rule list, the editor, trying a rule on past orders, switching it on, re-running
the active rules on the open orders and watching that run."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.choices import Role
from core.decorators import role_required
from orders.models import Rule, RuleRun
from orders.rules.filters import RuleFilter
from orders.rules.forms import (
    ActionFormSet,
    ConditionFormSet,
    RuleForm,
    TryForm,
    rows_to_definition,
    rule_rows_initial,
)
from orders.rules.schema import ACTION_TYPES, CONDITION_FIELDS, action_text, condition_text
from orders.rules.selectors import rule_get, rule_list, rule_run_error_list, rule_run_get, rule_run_list
from orders.rules.services import (
    RuleRunAlreadyOpen,
    rule_create,
    rule_run_start,
    rule_set_active,
    rule_try,
    rule_update,
)
from orders.selectors import order_list


def _rule_or_404(request, pk: int) -> Rule:
    try:
        return rule_get(user=request.user, pk=pk)
    except Rule.DoesNotExist as exc:
        raise Http404("No such rule.") from exc


@login_required
@role_required(Role.MANAGER)
def rule_list_view(request):
    filterset = RuleFilter(request.GET or None, queryset=rule_list(user=request.user), request=request)
    rules = list(filterset.qs)  # values not understood are left out, and the page says which
    for rule in rules:
        rule.conditions_text = [condition_text(c) for c in rule.conditions]
        rule.actions_text = [action_text(a) for a in rule.actions]
    runs = rule_run_list(user=request.user)[:RECENT_RUNS]
    return render(request, "orders/rules/rule_list.html", {"rules": rules, "runs": runs, "filterset": filterset})


def _editor(request, rule: Rule | None):
    if request.method == "POST":
        form = RuleForm(request.POST, instance=rule)
        conditions = ConditionFormSet(request.POST, prefix="cond")
        actions = ActionFormSet(request.POST, prefix="act")
        definition_errors: dict[str, list[str]] = {}
        if form.is_valid() and conditions.is_valid() and actions.is_valid():
            conds, acts = rows_to_definition(conditions, actions)
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                if rule is None:
                    saved = rule_create(user=request.user, conditions=conds, actions=acts, **data)
                else:
                    saved = rule_update(rule=rule, user=request.user, conditions=conds, actions=acts, **data)
            except ValidationError as exc:
                for name, msgs in exc.message_dict.items():
                    if name in form.fields:
                        for msg in msgs:
                            form.add_error(name, msg)
                    else:
                        definition_errors.setdefault(name, []).extend(msgs)
            else:
                state = "active" if saved.is_active else "a draft: try it on past orders, then switch it on"
                messages.success(request, f"Rule “{saved.name}” saved ({state}).")
                return redirect("rules:try", pk=saved.pk)
        status = 400
    else:
        form = RuleForm(instance=rule)
        cond_rows, act_rows = rule_rows_initial(rule)
        conditions = ConditionFormSet(initial=cond_rows, prefix="cond")
        actions = ActionFormSet(initial=act_rows, prefix="act")
        definition_errors = {}
        status = 200
    context = {
        "rule": rule, "form": form, "conditions": conditions, "actions": actions,
        "definition_errors": definition_errors,
        "field_ops": {k: list(s.ops) for k, s in CONDITION_FIELDS.items()},
        "field_help": {k: s.help for k, s in CONDITION_FIELDS.items()},
        "action_help": {k: s.help for k, s in ACTION_TYPES.items()},
        "condition_fields": CONDITION_FIELDS.values(), "action_types": ACTION_TYPES.values(),
    }
    return render(request, "orders/rules/rule_form.html", context, status=status)


@login_required
@role_required(Role.MANAGER)
def rule_create_view(request):
    return _editor(request, None)


@login_required
@role_required(Role.MANAGER)
def rule_edit_view(request, pk: int):
    return _editor(request, _rule_or_404(request, pk))


@login_required
@role_required(Role.MANAGER)
def rule_try_view(request, pk: int):
    rule = _rule_or_404(request, pk)
    form = TryForm(request.GET or {"days": 30})
    report = None
    if form.is_valid():
        report = rule_try(rule=rule, days=form.cleaned_data["days"], orders=order_list(user=request.user))
    context = {"rule": rule, "form": form, "report": report,
               "conditions_text": [condition_text(c) for c in rule.conditions],
               "actions_text": [action_text(a) for a in rule.actions]}
    return render(request, "orders/rules/rule_try.html", context)


@require_POST
@login_required
@role_required(Role.MANAGER)
def rule_switch_view(request, pk: int):
    rule = _rule_or_404(request, pk)
    try:
        rule = rule_set_active(rule=rule, is_active=not rule.is_active, user=request.user)
    except ValidationError as exc:
        messages.error(request, "This rule no longer makes sense: " + " ".join(exc.messages))
        return redirect("rules:edit", pk=pk)
    if rule.is_active:
        messages.success(request, f"Rule “{rule.name}” is on: it runs on every new order.")
    else:
        messages.success(request, f"Rule “{rule.name}” is off.")
    return redirect("rules:list")


RECENT_RUNS = 5


@require_POST
@login_required
@role_required(Role.MANAGER)
def rules_rerun_view(request):
    try:
        run = rule_run_start(user=request.user)
    except RuleRunAlreadyOpen as exc:
        messages.error(request, exc.message)
        return redirect("rules:run", pk=exc.run.pk) if exc.run is not None else redirect("rules:list")
    messages.success(request, f"Re-run #{run.pk} of the active rules on the open orders started.")
    return redirect("rules:run", pk=run.pk)


@login_required
@role_required(Role.MANAGER)
def rule_run_view(request, pk: int):
    try:
        run = rule_run_get(user=request.user, pk=pk)
    except RuleRun.DoesNotExist as exc:
        raise Http404("No such re-run.") from exc
    # htmx polls the status box alone while the run is open; the full page otherwise.
    template = "orders/rules/_rule_run_status.html" if request.htmx else "orders/rules/rule_run.html"
    return render(request, template, {"run": run, "failures": list(rule_run_error_list(run=run))})
