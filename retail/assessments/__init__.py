"""Assessment frameworks (versioned data), scoring, assessments on a phone, results for shops."""
