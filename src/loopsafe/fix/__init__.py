"""`loopsafe check --fix`: LibCST codemods that rewrite the hazards, safely."""
