package workflows

import (
	"sync/atomic"

	"github.com/motcua/motcua/vouch"
)

var commandKeys atomic.Pointer[vouch.Verifier]

// TrustCommands sets the command keys whose vouchers this process's
// dossier workflows accept (the API's; see package vouch). A worker sets
// it before it starts; until then every decision is refused.
func TrustCommands(v vouch.Verifier) { commandKeys.Store(&v) }

func trustedCommands() vouch.Verifier {
	if v := commandKeys.Load(); v != nil {
		return *v
	}
	return vouch.Verifier{}
}
