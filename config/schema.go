package config

import _ "embed"

//go:embed swkit.schema.json
var schema []byte

// Schema returns the JSON Schema of swkit.json (draft 2020-12), for editors
// and for `swkit config schema`. A test keeps it in step with Config.
func Schema() []byte { return append([]byte(nil), schema...) }
