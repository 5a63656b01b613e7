"""Volunteer tasks (居民点单、党组织派单、新就业群体接单、评单): residents ask, a community's
dispatcher sends the request out, a volunteer rider takes and finishes it, the resident rates it,
the volunteer earns points. Pure library (no Streamlit), on the reports' database.

- :mod:`~geo.tasks.vocabulary` categories, states, roles, reasons and who may change what;
- :mod:`~geo.tasks.schema` the tables (migration 0004);
- :mod:`~geo.tasks.store` the store: requests, dispatch, the one-winner take, finishing with a
  photo, rating, lists, retention;
- :mod:`~geo.tasks.accounts` dispatchers and volunteers, invitations, phones that stay signed in,
  who acts (:class:`~geo.tasks.accounts.Actor`);
- :mod:`~geo.tasks.cards` what each person may see of a task (the one place that decides);
- :mod:`~geo.tasks.codes` task and invitation codes;
- :mod:`~geo.tasks.points` the town's points rules;
- :mod:`~geo.tasks.places` the communities (codes, centres), coarse areas, distances;
- :mod:`~geo.tasks.settings` retention days, photo folder, points rules file;
- :mod:`~geo.tasks.analysis` public tables, counts, the monthly list, exports.
"""
