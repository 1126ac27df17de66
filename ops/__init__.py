"""Operations tooling that is not part of the application package (issue 19: ops/cluster)."""
