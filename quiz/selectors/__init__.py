"""Reads for the quiz, one module each: `attempts` (the live version, whose attempt is whose,
steps), `results` (one attempt's result), `history` (a member's trends) and `statistics` (what
editors read about a version's statements)."""
