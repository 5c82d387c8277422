package main

import (
	"bytes"
	"os"
	"testing"
)

// TestSchemaUpToDate keeps the shipped schema equal to what Config says, so
// an editor never accepts what swkit rejects or rejects what it accepts.
func TestSchemaUpToDate(t *testing.T) {
	got, err := generate("../../config")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../config/swkit.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("config/swkit.schema.json is out of date: run go generate ./config")
	}
}
