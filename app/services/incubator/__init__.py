"""The incubator programme's use cases: cohorts (``cohorts``), mentoring sessions and their
actions (``mentoring``), training (``training``), indicators computed from what the market
holds (``indicators``), graduation (``graduation``), the programme report (``report``), its
documents (``documents``) and the mentors' weekly digest (``digest``)."""
