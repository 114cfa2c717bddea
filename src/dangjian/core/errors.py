from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def validation_messages(error: ValidationError, labels: dict[str, str] | None = None) -> list[str]:
    """A ValidationError as plain sentences, each prefixed by its field's Chinese label."""
    labels = labels or {}
    if not hasattr(error, "error_dict"):
        return [str(message) for message in error.messages]
    out = []
    for field, errors in error.message_dict.items():
        for message in errors:
            if field == NON_FIELD_ERRORS or field not in labels:
                out.append(message)
            else:
                out.append(f"{labels[field]}：{message}")
    return out
