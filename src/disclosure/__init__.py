"""disclosure — turn inspection-rectification notices (整改情况通报) into a public website.

The package is the whole engine and runs without MkDocs:
  yamlio    load YAML keeping line numbers; write deterministic YAML
  errors    DataError: one Chinese message naming file, line, field, what to do
  model     Notice / Item / Update domain objects (they own their parsing)
  validate  schema + semantic checks over a data folder
  importer  notice text -> data folder, losing nothing
  figures   computed facts: status counts, overdue, as-of date
The MkDocs hooks in hooks/ are a thin adapter over this package.
"""

__version__ = "0.1.0"
