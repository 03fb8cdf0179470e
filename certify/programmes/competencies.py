"""The ``competencies`` a programme develops, from programme.yaml: what its certificates
align to (Open Badges 3.0 ``Alignment``), each a node of a published framework.

```yaml
competencies:
  - name: {es: Iteración, pt: Iteração, en: Iteration}      # required, Spanish at least
    url: https://example.org/framework.pdf#page=10          # required: the official text
    framework: OECD Core Skills for Public Sector Innovation # optional
    code: iteration                                         # optional, within the framework
    description: {es: ..., pt: ..., en: ...}                # optional
    type: ceasn:Competency                                  # optional (default), see TYPES
```
"""

from __future__ import annotations

import re

from certify.programmes.content_files import Checker, LineDict

# Open Badges 3.0's AlignmentTargetType vocabulary; "ext:Name" extends it.
TYPES = ("ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric", "CFRubricCriterion",
         "CFRubricCriterionLevel", "CTDL")
EXTENSION = re.compile(r"^ext:[A-Za-z0-9._-]+$")
MAX_COMPETENCIES = 30


def parse_competencies(checker: Checker, data: LineDict) -> list[dict]:
    """The checked list (problems go to ``checker``), ready to store on the programme."""
    items = data.get("competencies")
    if items is None:
        return []
    line = checker.line_of(data, "competencies")
    if not isinstance(items, list):
        checker.problem(line, "'competencies' must be a list")
        return []
    if len(items) > MAX_COMPETENCIES:
        checker.problem(line, f"at most {MAX_COMPETENCIES} competencies")
    result = []
    for index, item in enumerate(items):
        what = f"competency {index + 1}"
        item = checker.mapping(item, checker.line_of(items, index), what)
        if item is None:
            continue
        checker.keys(item, required={"name", "url"},
                     optional={"framework", "code", "description", "type"}, what=what)
        competency = {"name": checker.translated(item, "name", what=what),
                      "url": checker.text(item, "url", max_length=500)}
        if competency["url"] and not competency["url"].startswith("https://"):
            checker.problem(checker.line_of(item, "url"), f"{what}: 'url' must start with https://")
        description = checker.translated(item, "description", required=False, what=what)
        if description:
            competency["description"] = description
        for key in ("framework", "code"):
            value = checker.text(item, key, required=False, max_length=200)
            if value:
                competency[key] = value
        kind = item.get("type", TYPES[0])
        if kind not in TYPES and not (isinstance(kind, str) and EXTENSION.match(kind)):
            checker.problem(checker.line_of(item, "type"),
                            f"{what}: 'type' must be one of {', '.join(TYPES)} or ext:Name")
        competency["type"] = kind
        result.append(competency)
    return result
