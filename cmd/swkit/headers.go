package main

import (
	"errors"
	"maps"
	"net/textproto"
	"slices"
	"strings"
)

// headerFlag collects repeated --header 'Name: value' flags.
type headerFlag map[string]string

func (h headerFlag) String() string {
	return strings.Join(slices.Sorted(maps.Keys(h)), ", ")
}

func (h headerFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || value == "" {
		return errors.New(`want "Name: value"`)
	}
	h[textproto.CanonicalMIMEHeaderKey(name)] = value
	return nil
}
