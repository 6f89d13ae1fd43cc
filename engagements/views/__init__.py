"""The pages of the engagements, one module per page: the annexe, a dispositif and its estimations, a
partner's contribution, the dashboard of the yearly collection, the lists, the synthèse, the open data
and the files made in the background."""
