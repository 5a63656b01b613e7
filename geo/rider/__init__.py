"""The rider's answer and navigation hand-off."""
