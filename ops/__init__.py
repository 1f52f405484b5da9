"""Operations tooling: a throwaway PostgreSQL, the benchmark and the fault drills.

Nothing here is imported by the running app; the harnesses drive a real gunicorn from outside.
"""
