package config

import _ "embed"

//go:generate go run ../internal/schemagen -src . -o swkit.schema.json

//go:embed swkit.schema.json
var schema []byte

// Schema returns the JSON Schema of swkit.json (draft 2020-12), for editors
// and for `swkit config schema`. It is generated from Config (go generate).
func Schema() []byte { return append([]byte(nil), schema...) }
