"""`tether eval`: model quality on fixed public tasks (HumanEval FIM holes and edits), run through the ops."""
