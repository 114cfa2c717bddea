"""Hypothesis strategies shared by the organizational-life property tests."""

from hypothesis import strategies as st


def branch_shapes(*, max_size: int) -> st.SearchStrategy:
    """Generated branches: (township code, sector, with a committee, number of party groups)."""
    return st.lists(
        st.tuples(
            st.sampled_from(["TA", "TB"]),
            st.sampled_from(["rural", "school", "soe"]),
            st.booleans(),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=max_size,
    )
