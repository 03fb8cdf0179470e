"""`certify demo`: the programme's world with realistic people and progress."""
