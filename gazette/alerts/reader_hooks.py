"""Reader-facing slots of the alerts part: the sign-up box in the footer and under articles."""
