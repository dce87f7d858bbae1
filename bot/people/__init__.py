"""People management: editing a person, a coach change, deactivating and reactivating,
and handing a leaving coach's or caseworker's clients to a successor (issue 12, item 7)."""
