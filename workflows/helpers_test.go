package workflows_test

import (
	"errors"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

// continuedAsNew reports whether err is a continue-as-new and decodes its
// first argument into arg.
func continuedAsNew(err error, arg any) bool {
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		return false
	}
	return converter.GetDefaultDataConverter().FromPayloads(can.Input, arg) == nil
}
