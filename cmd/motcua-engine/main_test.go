package main

import (
	"slices"
	"testing"

	"github.com/motcua/motcua/internal/cli"
)

// The front hands exactly the engine's own commands to it: a command the
// engine lost would reach it only to be refused, one it gained would never
// reach it.
func TestTheFrontHandsOverTheEnginesCommands(t *testing.T) {
	var names []string
	for name := range commands {
		names = append(names, name)
		if _, light := cli.Commands[name]; light {
			t.Errorf("%s is both a light command and an engine's", name)
		}
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(cli.EngineCommands))
	if !slices.Equal(names, want) {
		t.Errorf("the engine runs %v; the front hands over %v", names, want)
	}
}
