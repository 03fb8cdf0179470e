"""In-person sessions of the programme: registration with a waitlist, QR tickets, check-in."""
