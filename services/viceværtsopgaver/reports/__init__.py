"""Reports: hours per building and department, counts and lead times by type, first-visit share,
failing components, planned versus ad-hoc work; as JSON, CSV and charts."""
