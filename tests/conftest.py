import pytest


@pytest.fixture(scope="session")
def frontend():
    """One Frontend for the whole run: loading jieba and the polyphone model takes a second."""
    from sambert_edge.frontend import Frontend

    return Frontend()
