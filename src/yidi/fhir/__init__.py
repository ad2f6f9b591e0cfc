"""FHIR R4 export (fhir.resources, its R4B models, which read and write R4 JSON): a settlement as an
ExplanationOfBenefit, built from what the JSON API shows and validated by the library before it is answered."""
