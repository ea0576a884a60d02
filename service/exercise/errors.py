"""Exercise errors are the service's own: the HTTP layer answers them 422/404/409 with the field named."""

from __future__ import annotations

from service.domain.errors import FieldProblem, InvalidInput


class ScenarioProblem(InvalidInput):
    """A scenario file or exercise request that cannot be played, naming the field and the reason."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(FieldProblem(field_name, reason))
