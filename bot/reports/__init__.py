"""Reports and billing (issue 13): a month's figures per client from the same pure rules
(bot.rules.reports), so the monthly report and the invoice always agree."""
