"""Pure domain rules: plain functions of plain values (no Telegram, no database, no clock)."""
