from __future__ import annotations

import pytest
from dom_bad_documents import BAD_DOCUMENTS, VALID, bad_document

from astrotango.domain import (
    PolicyViolation,
    ValidationError,
    parse_observation,
    policy_for_queue,
    validate_against_policy,
)


def test_the_list_is_long_enough_and_the_base_is_valid() -> None:
    assert len(BAD_DOCUMENTS) >= 30
    observation = parse_observation(VALID)
    validate_against_policy(observation, policy_for_queue(observation.queue))


@pytest.mark.parametrize(
    ("mutation", "field", "policy"),
    [pytest.param(m, f, p, id=case) for case, m, f, p in BAD_DOCUMENTS],
)
def test_bad_document_is_refused_naming_the_field(mutation, field, policy) -> None:
    document = bad_document(mutation)
    if policy is None:
        with pytest.raises(ValidationError) as caught:
            parse_observation(document)
        assert not isinstance(caught.value, PolicyViolation)
    else:
        observation = parse_observation(document)
        with pytest.raises(PolicyViolation) as caught:
            validate_against_policy(observation, policy_for_queue(observation.queue))
    assert field in caught.value.fields, str(caught.value)
    assert f"{field}: " in str(caught.value)
