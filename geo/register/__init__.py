"""The station register: its model, validation, GeoJSON, validated saves with history, sheets, import plans, survey, exchange files."""
