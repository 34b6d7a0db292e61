"""Renderings of result objects, and nothing else: no statistic, no call is computed here.

- :mod:`~ikzf1assay.report.run` writes a called run's files (calls.tsv, wells.tsv,
  provenance.json, report.html); :mod:`~ikzf1assay.report.calls` holds their tables and
  provenance, :mod:`~ikzf1assay.report.html` the run report, :mod:`~ikzf1assay.report.curve_svg`
  its curve figures (inline SVG);
- :mod:`~ikzf1assay.report.curves` renders curve analyses (TSV, JSON, PNG plots);
- :mod:`~ikzf1assay.report.primer_check` and :mod:`~ikzf1assay.report.specificity` the primer
  reports; :mod:`~ikzf1assay.report.cohort` the cohort report and tables;
- :func:`ikzf1assay.report.plot.plot` draws any result that has a figure (matplotlib).

Importing this package imports none of them: each command imports what it renders.
"""
