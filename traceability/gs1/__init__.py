"""GS1 standards in pure Python: GTIN check digits, the AI syntax dictionary, Digital Link URIs."""
