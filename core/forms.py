"""What the pages' forms share."""


def form_errors_text(form, *, labels: bool = False) -> str:
    """A bound form's errors on one line, for a message: "field: error; ..." (the field's label with `labels`);
    errors of the whole form are listed without a name."""
    parts = []
    for name, errors in form.errors.items():
        text = " ".join(errors)
        if name != "__all__":
            text = f"{form[name].label if labels else name}: {text}"
        parts.append(text)
    return "; ".join(parts)
