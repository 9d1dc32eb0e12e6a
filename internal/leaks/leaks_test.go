package leaks

import (
	"slices"
	"testing"
)

func TestIDNumbers(t *testing.T) {
	for text, want := range map[string][]string{
		`{"path":"/v1/citizens/001099055555/documents"}`:  {"001099055555"},
		`id 079190001234, 001203004567.`:                  {"079190001234", "001203004567"},
		`"date":"20261203091500"`:                         nil, // a portal date
		`"run_id":"0191c4a2-7b1e-7cc1-9f4e-123456789012"`: nil, // a UUID's last group
		`"dossier_id":"000.00.01.H22-261203-0001"`:        nil,
		`sha256:ab123456789012cd`:                         nil,
		`"took":1234567890123`:                            nil,
		"001099055555":                                    {"001099055555"},
	} {
		if got := IDNumbers(text); !slices.Equal(got, want) {
			t.Errorf("IDNumbers(%q) = %v, want %v", text, got, want)
		}
	}
}
