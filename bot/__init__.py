"""Coachbot: wiring and infrastructure at the root, one package per feature, pure rules in
`bot.rules`. Importing it does nothing (docs/architecture.md)."""
